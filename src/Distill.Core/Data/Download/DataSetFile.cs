namespace Distill.Data.Download;

/// <summary>
/// One file that <c>distill data get</c> puts in the data folder, and where its bytes come from: a member of the
/// downloaded zip archive, or the downloaded file itself.
/// </summary>
public sealed record DataSetFile
{
    /// <summary>Where the file goes, relative to the data folder, with <c>/</c> between folders (for example
    /// <c>sst2/train.tsv</c>). Required.</summary>
    public required string Path { get; init; }

    /// <summary>The member of the downloaded zip archive that holds the file (for example <c>SST-2/train.tsv</c>).
    /// Default null: the download is the file.</summary>
    public string? ZipEntry { get; init; }

    /// <summary>A header line written before the downloaded bytes, without its line break (for example
    /// <c>text;label_name</c>), so that the file has the layout the rest of Distill reads. Default null: none.</summary>
    public string? Header { get; init; }

    /// <summary>What the file holds, in a few words, for listings and for the message that says where to put the file by
    /// hand (for example <c>SST-2 training split, TSV sentence/label</c>).</summary>
    public string Description { get; init; } = string.Empty;
}
