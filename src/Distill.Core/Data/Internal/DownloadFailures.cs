namespace Distill.Data.Internal;

/// <summary>
/// How <see cref="Distill.Data.Download.DataDownloader"/>'s HTTP download words the failures whose remedy depends on what is being fetched: a
/// data set points at <c>--url</c> and <c>--sha256</c>, while a pretrained model moves on to its next source when the
/// host cannot be reached or answers with an error. A connection that breaks mid-way is worded the same for both.
/// </summary>
/// <param name="Unreachable">The host cannot be reached; given why (no DNS, refused, no answer in time).</param>
/// <param name="HttpStatus">The server answered with an error status; given the status and its reason phrase.</param>
/// <param name="HttpFailed">The request failed for another reason (TLS, protocol); given the error.</param>
/// <param name="SizeMismatch">The server sent another size than expected; given the size sent and the size expected.</param>
/// <param name="ChecksumMismatch">The bytes have another SHA-256; given the one computed and the one expected.</param>
internal sealed record DownloadFailures(
    Func<string, Exception> Unreachable,
    Func<int, string?, Exception> HttpStatus,
    Func<Exception, Exception> HttpFailed,
    Func<long, long, Exception> SizeMismatch,
    Func<string, string, Exception> ChecksumMismatch);
