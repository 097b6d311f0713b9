namespace Distill;

/// <summary>
/// An <see cref="IProgress{T}"/> that reports on the calling thread, in order, before <see cref="Report"/> returns.
/// Pass it to Distill's long operations (a teacher cache build, training, a download) from a console app:
/// <see cref="Progress{T}"/> would post each report to the thread pool (a console app has no synchronization
/// context), so reports could arrive late, out of order, concurrently, or after the operation has returned.
/// </summary>
/// <typeparam name="T">The progress value.</typeparam>
/// <param name="report">Called with each value, on the reporting thread; keep it short, the operation waits for it.</param>
public sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
{
    private readonly Action<T> _report = report ?? throw new ArgumentNullException(nameof(report));

    /// <inheritdoc />
    public void Report(T value) => _report(value);
}
