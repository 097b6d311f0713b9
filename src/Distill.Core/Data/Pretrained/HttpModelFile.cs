namespace Distill.Data.Pretrained;

/// <summary>One file of an <see cref="HttpModelSource"/>: where it is and what it must be.</summary>
public sealed record HttpModelFile
{
    /// <summary>The file's name in the model's folder (<see cref="PretrainedModelFile.Name"/>). Required.</summary>
    public required string Name { get; init; }

    /// <summary>The file's URL; best pinned to a revision, so that its checksum cannot change. Required.</summary>
    public required Uri Url { get; init; }

    /// <summary>The file's size in bytes. Required.</summary>
    public required long Size { get; init; }

    /// <summary>The file's SHA-256, 64 lower-case hex digits. Required.</summary>
    public required string Sha256 { get; init; }
}
