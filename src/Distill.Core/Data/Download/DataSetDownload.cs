namespace Distill.Data.Download;

/// <summary>
/// One file fetched over HTTP for a data set, with what is known of it in advance: its size and its SHA-256. A download
/// whose size or checksum differs from these is deleted, never unpacked.
/// </summary>
public sealed record DataSetDownload
{
    /// <summary>The public URL of the file. Required.</summary>
    public required Uri Url { get; init; }

    /// <summary>The file's name, used for the temporary copy, in messages and to build the URL of each file when a mirror
    /// folder is given instead of <see cref="Url"/> (for example <c>SST-2.zip</c>). Required.</summary>
    public required string FileName { get; init; }

    /// <summary>The file's size in bytes, or null when not known.</summary>
    public long? Size { get; init; }

    /// <summary>The file's SHA-256 as 64 lower-case hex digits, or null when not known.</summary>
    public string? Sha256 { get; init; }

    /// <summary>The files taken from this download into the data folder. Required, at least one.</summary>
    public required IReadOnlyList<DataSetFile> Files { get; init; }
}
