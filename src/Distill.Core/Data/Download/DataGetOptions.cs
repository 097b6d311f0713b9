namespace Distill.Data.Download;

/// <summary>Where <see cref="DataDownloader.GetAsync"/> puts a data set's files and what it does with files already
/// there.</summary>
public sealed record DataGetOptions
{
    /// <summary>The data folder; the data set's files go in subfolders of it (see <see cref="DataDirectory"/>).
    /// Required.</summary>
    public required string Directory { get; init; }

    /// <summary>Whether files already in place are replaced. Default false: they are kept, and a data set whose files are
    /// all in place is not downloaded at all.</summary>
    public bool Force { get; init; }

    /// <summary>
    /// Where to download from instead of the known URL: the file's URL for a data set with one download, or the URL of a
    /// folder that holds the files under their <see cref="DataSetDownload.FileName"/>s for one with several. The known
    /// size and SHA-256 still apply (a mirror serves the same bytes) unless <see cref="Sha256"/> is given. Default null.
    /// </summary>
    public Uri? Url { get; init; }

    /// <summary>The SHA-256 the download must have, as 64 hex digits, instead of the known one (the known size is then not
    /// checked either); for a data set with one download only. Default null: the known checksum.</summary>
    public string? Sha256 { get; init; }
}
