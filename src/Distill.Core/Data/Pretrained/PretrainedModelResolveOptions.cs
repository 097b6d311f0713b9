namespace Distill.Data.Pretrained;

/// <summary>Where <see cref="PretrainedModels.Resolve"/> looks for a model, where it caches one it fetches, and how it
/// fetches. Every property has a default; <c>new PretrainedModelResolveOptions()</c> is what a recipe uses.</summary>
public sealed record PretrainedModelResolveOptions
{
    /// <summary>The data folder to look in first, for <c>models/&lt;name&gt;/</c> (where <c>distill data get</c> puts a
    /// model). Default null: the folder that <c>DISTILL_DATA_DIR</c> names when it is set, else none.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>The model cache: the model is looked for in, and fetched into, <c>&lt;cache&gt;/&lt;name&gt;/</c>.
    /// Default null: <see cref="PretrainedModels.CacheDirectory()"/>.</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>The models to resolve names against. Default null: <see cref="PretrainedModelCatalog.All"/>.</summary>
    public IReadOnlyList<PretrainedModelDefinition>? Catalog { get; init; }

    /// <summary>The one source to fetch from (<see cref="PretrainedModelGetOptions.Source"/>). Default null: each in
    /// order.</summary>
    public string? Source { get; init; }

    /// <summary>The longest wait for an HTTP source (<see cref="PretrainedModelFetcher(TimeSpan?)"/>). Default null:
    /// 30 seconds.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>The folder whose NuGet configuration is read (<see cref="PretrainedModelGetOptions.NuGetConfigurationRoot"/>).
    /// Default null: the working directory.</summary>
    public string? NuGetConfigurationRoot { get; init; }

    /// <summary>The NuGet global packages folder (<see cref="PretrainedModelGetOptions.GlobalPackagesFolder"/>). Default
    /// null: NuGet's own choice.</summary>
    public string? GlobalPackagesFolder { get; init; }
}
