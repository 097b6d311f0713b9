namespace Distill.Data.Download;

/// <summary>
/// A public data set that <c>distill data get</c> knows: its name, where it comes from, and the files it puts in the data
/// folder. <see cref="DataSetCatalog"/> lists the known ones.
/// </summary>
public sealed record DataSetDefinition
{
    /// <summary>The name on the command line, for example <c>sst2</c>. Required.</summary>
    public required string Name { get; init; }

    /// <summary>What the data set is and where it comes from (source, citation, licence), in one line. Required.</summary>
    public required string Description { get; init; }

    /// <summary>The files to fetch, in order. Required, at least one.</summary>
    public required IReadOnlyList<DataSetDownload> Downloads { get; init; }

    /// <summary>Every file the data set puts in the data folder, relative to it, in order.</summary>
    public IReadOnlyList<DataSetFile> Files => Downloads.SelectMany(d => d.Files).ToList();
}
