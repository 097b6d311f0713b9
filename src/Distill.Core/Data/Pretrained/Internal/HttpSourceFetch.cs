using Distill.Data.Download;
using Distill.Data.Internal;

namespace Distill.Data.Pretrained.Internal;

/// <summary>Fetches files from an <see cref="HttpModelSource"/> into a staging folder with the data sets' downloader:
/// streamed, size and SHA-256 checked, progress reported.</summary>
internal static class HttpSourceFetch
{
    /// <summary>Downloads each of <paramref name="names"/> to its path in <paramref name="staging"/>; returns the bytes
    /// received.</summary>
    /// <exception cref="SourceUnavailableException">The host cannot be reached or answers with an HTTP error.</exception>
    /// <exception cref="DistillException">A file arrived with another size or checksum, or the connection broke.</exception>
    public static async Task<long> FetchAsync(
        DataDownloader downloader, PretrainedModelDefinition model, HttpModelSource source, IReadOnlyList<string> names, StagingFolder staging,
        IProgress<DownloadProgress>? progress, CancellationToken cancellation)
    {
        var others = model.Sources.Where(s => s.Name != source.Name).Select(s => s.Name).ToList();
        var fix = others.Count == 0 ? "Run the command again" : $"Run the command again, or take the files from another source with --source {string.Join(" or ", others)}";
        long bytes = 0;
        foreach (var name in names)
        {
            var file = source.Files.First(f => f.Name == name);
            var url = file.Url;
            var failures = new DownloadFailures(
                reason => new SourceUnavailableException($"cannot reach {url} ({reason})"),
                (status, phrase) => new SourceUnavailableException($"{url} answered HTTP {status}{(string.IsNullOrEmpty(phrase) ? "" : $" ({phrase})")}"),
                error => new SourceUnavailableException($"{url} failed: {PretrainedErrors.FirstLine(error.Message)}", error),
                (actual, expected) => PretrainedErrors.SizeMismatch(model.Name, name, url.ToString(), actual, expected, fix),
                (actual, expected) => PretrainedErrors.ChecksumMismatch(model.Name, name, url.ToString(), actual, expected, fix));
            var temporary = Path.Combine(staging.Path, name + ".part");
            bytes += await downloader.DownloadAsync(url, name, temporary, file.Sha256, file.Size, progress, failures, cancellation).ConfigureAwait(false);
            var staged = staging.PathFor(name);
            Directory.CreateDirectory(Path.GetDirectoryName(staged)!);
            File.Move(temporary, staged);
        }

        return bytes;
    }
}
