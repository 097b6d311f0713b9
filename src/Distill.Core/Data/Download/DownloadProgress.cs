namespace Distill.Data.Download;

/// <summary>How far one download has come.</summary>
/// <param name="Url">The URL being downloaded.</param>
/// <param name="FileName">The file's name (<see cref="DataSetDownload.FileName"/>).</param>
/// <param name="BytesReceived">Bytes received so far.</param>
/// <param name="TotalBytes">The file's size in bytes, from the server or the catalog; null when neither says.</param>
/// <param name="Completed">Whether the download has been received and verified.</param>
public readonly record struct DownloadProgress(Uri Url, string FileName, long BytesReceived, long? TotalBytes, bool Completed);
