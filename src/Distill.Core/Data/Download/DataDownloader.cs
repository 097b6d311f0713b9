using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Distill.Data.Internal;

namespace Distill.Data.Download;

/// <summary>
/// Downloads a known data set (<see cref="DataSetCatalog"/>) into a data folder. Each file is streamed to a temporary file
/// in a hidden staging folder inside the data folder, its size and SHA-256 are checked against what is known, it is
/// unpacked there, and only when every download of the data set has been verified are the files renamed into place. A
/// failed or interrupted download therefore never leaves a file at a data set's path. Files already in place are kept
/// unless <see cref="DataGetOptions.Force"/> is set.
/// </summary>
/// <remarks>
/// Errors are <see cref="DistillException"/>s of one line: an unreachable host (no DNS, connection refused, no answer)
/// is <see cref="DistillErrorKind.Environment"/>, and its message names the URL and the exact paths to fill by hand;
/// bad options are <see cref="DistillErrorKind.InvalidInput"/>; a download that started and failed (HTTP error, broken
/// connection, wrong size or checksum, bad archive) is <see cref="DistillErrorKind.RunFailed"/>.
/// </remarks>
public sealed class DataDownloader : IDisposable
{
    /// <summary>The default of <see cref="Timeout"/>: 30 seconds.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    private readonly HttpClient _http;

    /// <summary>Creates a downloader with its own <see cref="HttpClient"/>.</summary>
    /// <param name="timeout">The longest wait for the server: to connect, for the response headers, and for each read of
    /// the body (a download may take longer in all, as long as data keeps coming). Default <see cref="DefaultTimeout"/>.</param>
    public DataDownloader(TimeSpan? timeout = null)
    {
        Timeout = timeout ?? DefaultTimeout;
        if (Timeout <= TimeSpan.Zero)
        {
            throw DownloadErrors.BadTimeout(Timeout);
        }

        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = Timeout,
            // The checksum is over the bytes as published: no transparent decompression.
            AutomaticDecompression = DecompressionMethods.None,
            AllowAutoRedirect = true,
        };
        // HttpClient's own timeout would also bound the whole body; the timers below bound each wait instead.
        _http = new HttpClient(handler) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd($"Distill/{typeof(DataDownloader).Assembly.GetName().Version?.ToString(3) ?? "0"}");
    }

    /// <summary>The longest wait for the server (connect, headers, each read).</summary>
    public TimeSpan Timeout { get; }

    /// <summary>
    /// Puts <paramref name="dataSet"/>'s files in <see cref="DataGetOptions.Directory"/>: downloads what is missing (or
    /// everything, with <see cref="DataGetOptions.Force"/>), verifies it, unpacks it and renames it into place.
    /// </summary>
    /// <param name="dataSet">The data set, usually from <see cref="DataSetCatalog"/>.</param>
    /// <param name="options">The data folder, and what to do with files already there.</param>
    /// <param name="progress">Receives the bytes received of each download, after each read.</param>
    /// <param name="cancellation">Stops the download; nothing is written.</param>
    /// <returns>The files written and the files kept.</returns>
    /// <exception cref="DistillException">The download failed; see the remarks on <see cref="DataDownloader"/>.</exception>
    public async Task<DataGetResult> GetAsync(
        DataSetDefinition dataSet, DataGetOptions options, IProgress<DownloadProgress>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(dataSet);
        ArgumentNullException.ThrowIfNull(options);
        var sha256 = options.Sha256 is null ? null : NormalizeSha256(options.Sha256);
        if (sha256 is not null && dataSet.Downloads.Count != 1)
        {
            throw DownloadErrors.Sha256NeedsOneDownload(dataSet);
        }

        if (options.Url is { } url && !(url.IsAbsoluteUri && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)))
        {
            throw DownloadErrors.BadUrl(url);
        }

        var directory = Path.GetFullPath(options.Directory);
        string Target(DataSetFile file) => Path.Combine(directory, file.Path.Replace('/', Path.DirectorySeparatorChar));
        var kept = options.Force ? [] : dataSet.Files.Select(Target).Where(File.Exists).ToList();
        var work = dataSet.Downloads
            .Select(d => (Download: d, Files: d.Files.Where(f => options.Force || !File.Exists(Target(f))).ToList()))
            .Where(w => w.Files.Count > 0)
            .ToList();
        if (work.Count == 0)
        {
            return new DataGetResult { Directory = directory, Written = [], Kept = kept };
        }

        var missing = work.SelectMany(w => w.Files).Select(f => (Target(f), f.Description)).ToList();
        var createdDirectory = !Directory.Exists(directory);
        StagingFolder staging;
        try
        {
            Directory.CreateDirectory(directory);
            staging = StagingFolder.Create(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw DownloadErrors.CannotWrite(directory, e);
        }

        var placed = false;
        try
        {
            using (staging)
            {
                var staged = new List<(string From, string To)>();
                long bytes = 0;
                foreach (var (download, files) in work)
                {
                    var source = SourceUrl(download, options.Url, dataSet.Downloads.Count);
                    var temporary = Path.Combine(staging.Path, download.FileName + ".part");
                    var failures = new DownloadFailures(
                        reason => DownloadErrors.Offline(source, reason, directory, missing),
                        (status, phrase) => DownloadErrors.HttpStatus(source, status, phrase, download.FileName),
                        error => DownloadErrors.HttpFailed(source, error),
                        (actual, expected) => DownloadErrors.SizeMismatch(source, download.FileName, actual, expected),
                        (actual, expected) => DownloadErrors.ChecksumMismatch(source, download.FileName, actual, expected));
                    bytes += await DownloadAsync(source, download.FileName, temporary, sha256 ?? download.Sha256, sha256 is null ? download.Size : null,
                        progress, failures, cancellation).ConfigureAwait(false);
                    staged.AddRange(Unpack(source, download, files, temporary, staging).Select(s => (s.Staged, Target(s.File))));
                    File.Delete(temporary);
                }

                // Every download is in and verified: only now does anything appear at the data set's paths.
                foreach (var (from, to) in staged)
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(to)!);
                    File.Move(from, to, overwrite: options.Force);
                }

                placed = true;
                return new DataGetResult { Directory = directory, Written = staged.Select(s => s.To).ToList(), Kept = kept, BytesDownloaded = bytes };
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw DownloadErrors.CannotWrite(directory, e);
        }
        finally
        {
            if (!placed && createdDirectory && Directory.Exists(directory) && !Directory.EnumerateFileSystemEntries(directory).Any())
            {
                Directory.Delete(directory);
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    /// <summary>Streams <paramref name="url"/> to <paramref name="temporary"/>, hashing as it goes, and checks the size
    /// and checksum; returns the number of bytes received. <paramref name="failures"/> words the errors whose remedy
    /// depends on the caller (a data set's <c>--url</c>, a pretrained model's next source).</summary>
    internal async Task<long> DownloadAsync(
        Uri url, string fileName, string temporary, string? sha256, long? size, IProgress<DownloadProgress>? progress,
        DownloadFailures failures, CancellationToken cancellation)
    {
        var seconds = Timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timer.CancelAfter(Timeout);
        HttpResponseMessage response;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timer.Token).ConfigureAwait(false);
        }
        catch (HttpRequestException e) when (DownloadErrors.Unreachable(e, url) is { } reason)
        {
            throw failures.Unreachable(reason);
        }
        catch (HttpRequestException e)
        {
            throw failures.HttpFailed(e);
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            throw failures.Unreachable($"no answer within {seconds} s");
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw failures.HttpStatus((int)response.StatusCode, response.ReasonPhrase);
            }

            var announced = response.Content.Headers.ContentLength;
            if (size is { } expected && announced is { } length && length != expected)
            {
                throw failures.SizeMismatch(length, expected);
            }

            var total = announced ?? size;
            long received = 0;
            progress?.Report(new DownloadProgress(url, fileName, 0, total, Completed: false));
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[1 << 16];
            Stream body;
            try
            {
                body = await response.Content.ReadAsStreamAsync(timer.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or HttpRequestException or OperationCanceledException && !cancellation.IsCancellationRequested)
            {
                throw DownloadErrors.Interrupted(url, 0, total, $"the connection broke: {e.Message}", e);
            }

            await using (body.ConfigureAwait(false))
            {
                var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
                await using (file.ConfigureAwait(false))
                {
                    while (true)
                    {
                        int read;
                        timer.CancelAfter(Timeout);
                        try
                        {
                            read = await body.ReadAsync(buffer, timer.Token).ConfigureAwait(false);
                        }
                        catch (OperationCanceledException e) when (!cancellation.IsCancellationRequested)
                        {
                            throw DownloadErrors.Interrupted(url, received, total, $"no data for {seconds} s", e);
                        }
                        catch (Exception e) when (e is IOException or HttpRequestException)
                        {
                            throw DownloadErrors.Interrupted(url, received, total, $"the connection broke: {e.Message}", e);
                        }

                        if (read == 0)
                        {
                            break;
                        }

                        hash.AppendData(buffer, 0, read);
                        await file.WriteAsync(buffer.AsMemory(0, read), cancellation).ConfigureAwait(false);
                        received += read;
                        progress?.Report(new DownloadProgress(url, fileName, received, total, Completed: false));
                    }

                    file.Flush(flushToDisk: true);
                }
            }

            if (announced is { } promised && received != promised)
            {
                throw DownloadErrors.Interrupted(url, received, total, "the connection closed early");
            }

            if (size is { } known && received != known)
            {
                throw failures.SizeMismatch(received, known);
            }

            var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            if (sha256 is not null && actual != sha256)
            {
                throw failures.ChecksumMismatch(actual, sha256);
            }

            progress?.Report(new DownloadProgress(url, fileName, received, total ?? received, Completed: true));
            return received;
        }
    }

    /// <summary>Writes each of <paramref name="files"/> into the staging folder from the verified download: its zip member
    /// or the download itself, after the file's header line if it has one.</summary>
    private static List<(string Staged, DataSetFile File)> Unpack(
        Uri url, DataSetDownload download, IReadOnlyList<DataSetFile> files, string temporary, StagingFolder staging)
    {
        ZipArchive? archive = null;
        try
        {
            if (files.Any(f => f.ZipEntry is not null))
            {
                try
                {
                    archive = ZipFile.OpenRead(temporary);
                }
                catch (InvalidDataException e)
                {
                    throw DownloadErrors.NotAZip(url, download.FileName, e);
                }
            }

            var staged = new List<(string, DataSetFile)>();
            foreach (var file in files)
            {
                var path = staging.PathFor(file.Path);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                using var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
                if (file.Header is { } header)
                {
                    output.Write(Utf8NoBom.GetBytes(header + "\n"));
                }

                if (file.ZipEntry is { } name)
                {
                    var entry = archive!.GetEntry(name) ?? throw DownloadErrors.MissingZipEntry(url, download.FileName, name, archive.Entries.Select(e => e.FullName));
                    try
                    {
                        using var input = entry.Open();
                        input.CopyTo(output);
                    }
                    catch (InvalidDataException e)
                    {
                        throw DownloadErrors.NotAZip(url, download.FileName, e);
                    }
                }
                else
                {
                    using var input = File.OpenRead(temporary);
                    input.CopyTo(output);
                }

                output.Flush(flushToDisk: true);
                staged.Add((path, file));
            }

            return staged;
        }
        finally
        {
            archive?.Dispose();
        }
    }

    private static Uri SourceUrl(DataSetDownload download, Uri? mirror, int downloads)
    {
        if (mirror is null)
        {
            return download.Url;
        }

        if (downloads == 1)
        {
            return mirror;
        }

        var folder = mirror.AbsoluteUri.EndsWith('/') ? mirror : new Uri(mirror.AbsoluteUri + "/");
        return new Uri(folder, Uri.EscapeDataString(download.FileName));
    }

    private static string NormalizeSha256(string value)
    {
        var trimmed = value.Trim();
        return trimmed.Length == 64 && trimmed.All(char.IsAsciiHexDigit) ? trimmed.ToLowerInvariant() : throw DownloadErrors.BadSha256(value);
    }
}
