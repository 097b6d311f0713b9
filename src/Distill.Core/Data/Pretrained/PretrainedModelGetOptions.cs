namespace Distill.Data.Pretrained;

/// <summary>Where <see cref="PretrainedModelFetcher.GetAsync"/> puts a model's files, which sources it may use, and how it
/// reaches NuGet.</summary>
public sealed record PretrainedModelGetOptions
{
    /// <summary>The model's own folder, the one that will hold <c>model.onnx</c> and <c>vocab.txt</c> (for example
    /// <c>data/models/all-minilm-l6-v2</c>); created when missing. Required.</summary>
    public required string Directory { get; init; }

    /// <summary>Whether files already in place are replaced. Default false: they are kept, and a model whose files are
    /// all in place is not fetched at all.</summary>
    public bool Force { get; init; }

    /// <summary>The one source to use, by <see cref="PretrainedModelSource.Name"/> (for example <c>nuget</c>). Default
    /// null: each of the model's sources in order, until one gives every missing file.</summary>
    public string? Source { get; init; }

    /// <summary>The folder whose NuGet configuration is read (its <c>nuget.config</c>, those of the folders above it, the
    /// user's and the machine's), as <c>dotnet restore</c> run there would read it. Default null: the working
    /// directory.</summary>
    public string? NuGetConfigurationRoot { get; init; }

    /// <summary>The NuGet global packages folder to look in first. Default null: NuGet's own choice
    /// (<c>NUGET_PACKAGES</c>, else the configuration's <c>globalPackagesFolder</c>, else <c>~/.nuget/packages</c>).</summary>
    public string? GlobalPackagesFolder { get; init; }
}
