using Distill.Data.Download;
using System.Globalization;
using System.Net.Sockets;

namespace Distill.Data.Internal;

/// <summary>
/// The errors of <c>distill data get</c>, each one line that names the URL or file, what was seen and what to do. An
/// unreachable host and bad settings are <see cref="DistillErrorKind.Environment"/> or
/// <see cref="DistillErrorKind.InvalidInput"/> (exit code 2: nothing will change until the user does something); a
/// download that started and failed is <see cref="DistillErrorKind.RunFailed"/> (exit code 1: running again may work).
/// </summary>
internal static class DownloadErrors
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static DistillException Offline(Uri url, string reason, string directory, IEnumerable<(string Path, string Description)> files)
    {
        var list = files.Select(f => string.IsNullOrEmpty(f.Description) ? f.Path : $"{f.Path} ({f.Description})").ToList();
        var joined = list.Count <= 1 ? string.Concat(list) : $"{string.Join(", ", list.Take(list.Count - 1))} and {list[^1]}";
        return new DistillException(DistillErrorKind.Environment,
            $"cannot reach {url} ({reason}); this machine seems offline. Put the files there by hand instead: {joined}, " +
            $"and set {DataDirectory.EnvironmentVariable}={directory} so that Distill finds them");
    }

    /// <summary>Why the host could not be reached, or null when <paramref name="error"/> is not a failure to reach it
    /// (an HTTP or TLS error, say).</summary>
    public static string? Unreachable(HttpRequestException error, Uri url)
    {
        var socket = error.InnerException as SocketException ?? error.InnerException?.InnerException as SocketException;
        return error.HttpRequestError switch
        {
            HttpRequestError.NameResolutionError => $"the host name {url.Host} does not resolve",
            HttpRequestError.ConnectionError => $"cannot connect to {url.Authority}: {socket?.Message ?? error.Message}",
            HttpRequestError.ProxyTunnelError => $"the proxy refused a connection to {url.Authority}",
            _ when socket is not null => $"cannot connect to {url.Authority}: {socket.Message}",
            _ => null,
        };
    }

    public static DistillException HttpStatus(Uri url, int status, string? reason, string fileName) =>
        new(DistillErrorKind.RunFailed,
            $"{url} answered HTTP {status}{(string.IsNullOrEmpty(reason) ? "" : $" ({reason})")}; nothing was written. " +
            $"Check the URL, or give --url a mirror that serves {fileName}");

    public static DistillException HttpFailed(Uri url, Exception error) =>
        new(DistillErrorKind.RunFailed, $"download of {url} failed: {error.Message}; nothing was written. Run the command again", error);

    public static DistillException Interrupted(Uri url, long received, long? total, string cause, Exception? error = null) =>
        new(DistillErrorKind.RunFailed,
            $"download of {url} stopped after {received.ToString("N0", Invariant)}{(total is { } t ? $" of {t.ToString("N0", Invariant)}" : "")} bytes " +
            $"({cause}); the partial file was deleted and nothing was written. Run the command again", error);

    public static DistillException SizeMismatch(Uri url, string fileName, long actual, long expected) =>
        new(DistillErrorKind.RunFailed,
            $"{url} sent {actual.ToString("N0", Invariant)} bytes, but {fileName} has {expected.ToString("N0", Invariant)}: not the expected file; " +
            "it was deleted and nothing was written. Check the URL, or give --sha256 with the checksum of the file you want");

    public static DistillException ChecksumMismatch(Uri url, string fileName, string actual, string expected) =>
        new(DistillErrorKind.RunFailed,
            $"{url}: SHA-256 of the download is {actual}, expected {expected} for {fileName}: not the expected file, or damaged in " +
            $"transit; it was deleted and nothing was written. If this file is the one you want, pass --sha256 {actual}");

    public static DistillException MissingZipEntry(Uri url, string fileName, string entry, IEnumerable<string> entries) =>
        new(DistillErrorKind.RunFailed,
            $"{fileName} from {url} has no member '{entry}' (it holds: {string.Join(", ", entries.Take(10))}); nothing was written. " +
            $"Check that the URL serves {fileName} in its published layout");

    public static DistillException NotAZip(Uri url, string fileName, Exception error) =>
        new(DistillErrorKind.RunFailed,
            $"{fileName} from {url} is not a readable zip archive ({error.Message}); nothing was written. Check the URL", error);

    public static DistillException CannotWrite(string directory, Exception error) =>
        new(DistillErrorKind.InvalidInput,
            $"cannot write to the data folder {directory}: {error.Message}. Choose another folder with --dir or {DataDirectory.EnvironmentVariable}", error);

    public static DistillException BadSha256(string value) =>
        new(DistillErrorKind.InvalidInput, $"--sha256 must be 64 hex digits (was '{value}')");

    public static DistillException Sha256NeedsOneDownload(DataSetDefinition dataSet) =>
        new(DistillErrorKind.InvalidInput,
            $"--sha256 applies to a data set with one download; {dataSet.Name} has {dataSet.Downloads.Count} " +
            $"({string.Join(", ", dataSet.Downloads.Select(d => d.FileName))}), each checked against its known checksum");

    public static DistillException UnknownDataSet(string name, IEnumerable<string> known) =>
        new(DistillErrorKind.InvalidInput, $"unknown data set '{name}'; known data sets: {string.Join(", ", known)}");

    public static DistillException BadTimeout(TimeSpan timeout) =>
        new(DistillErrorKind.InvalidInput, $"--timeout must be > 0 seconds (was {timeout.TotalSeconds.ToString(Invariant)})");

    public static DistillException BadUrl(Uri url) =>
        new(DistillErrorKind.InvalidInput, $"--url must be an absolute http:// or https:// URL (was '{url.OriginalString}')");
}
