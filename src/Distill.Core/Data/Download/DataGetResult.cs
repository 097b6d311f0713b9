namespace Distill.Data.Download;

/// <summary>What <see cref="DataDownloader.GetAsync"/> did: the files it wrote and the files it found in place and
/// kept.</summary>
public sealed record DataGetResult
{
    /// <summary>The full path of the data folder.</summary>
    public required string Directory { get; init; }

    /// <summary>Full paths of the files written (downloaded, verified and renamed into place), in catalog order.</summary>
    public required IReadOnlyList<string> Written { get; init; }

    /// <summary>Full paths of the files that were already in place and were kept, in catalog order.</summary>
    public required IReadOnlyList<string> Kept { get; init; }

    /// <summary>The number of bytes downloaded.</summary>
    public long BytesDownloaded { get; init; }
}
