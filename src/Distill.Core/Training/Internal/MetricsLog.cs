namespace Distill.Training.Internal;

/// <summary>
/// The metrics log: one <see cref="MetricsLogLine"/> per line, as JSON (<c>{"kind":"step",...}</c> or
/// <c>{"kind":"eval",...}</c>), appended and flushed as the run goes. On resume, lines written after the checkpoint the
/// run continues from are dropped, so the log of a resumed run is the log an uninterrupted run would have written.
/// </summary>
internal sealed class MetricsLog : IDisposable
{
    private readonly StreamWriter _writer;

    private MetricsLog(string path, StreamWriter writer)
    {
        Path = path;
        _writer = writer;
    }

    public string Path { get; }

    /// <summary>Opens the log; <paramref name="keepThroughStep"/> keeps only lines up to that global step (null starts afresh).</summary>
    public static MetricsLog Open(string path, long? keepThroughStep)
    {
        var kept = new List<string>();
        if (keepThroughStep is { } last && File.Exists(path))
        {
            // A line that does not parse (the last one of a run killed while writing it) has no step to keep it by.
            kept.AddRange(File.ReadLines(path).Where(line => MetricsLogLine.Parse(line) is { } entry && entry.GlobalStep <= last));
        }

        File.WriteAllLines(path, kept);
        return new MetricsLog(path, new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true });
    }

    public void Write(MetricsLogLine line) => _writer.WriteLine(line.ToJson());

    public void Dispose() => _writer.Dispose();
}
