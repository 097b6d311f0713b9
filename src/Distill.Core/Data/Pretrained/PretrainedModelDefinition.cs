namespace Distill.Data.Pretrained;

/// <summary>
/// A pretrained model that Distill can fetch by name: the files its folder holds and the sources they come from, tried
/// in order. <see cref="PretrainedModelCatalog"/> lists the known ones; tests and other catalogs make their own.
/// </summary>
public sealed record PretrainedModelDefinition
{
    /// <summary>The name on the command line and in recipes, for example <c>all-minilm-l6-v2</c>; also the name of the
    /// model's folder. Required.</summary>
    public required string Name { get; init; }

    /// <summary>What the model is (architecture, origin, licence), in one line. Required.</summary>
    public required string Description { get; init; }

    /// <summary>The files the model's folder holds, in order. Required, at least one.</summary>
    public required IReadOnlyList<PretrainedModelFile> Files { get; init; }

    /// <summary>Where the files come from, in the order they are tried. Every source gives every file. Required, at
    /// least one.</summary>
    public required IReadOnlyList<PretrainedModelSource> Sources { get; init; }

    /// <summary>The model's folder relative to the data folder, with <c>/</c> between folders:
    /// <c>models/&lt;name&gt;</c>, beside the data sets' <c>sst2/</c> and <c>vocab/</c>.</summary>
    public string DataFolderPath => $"{PretrainedModelCatalog.DataSubfolder}/{Name}";
}
