namespace Distill.Data.Pretrained;

/// <summary>
/// A source that serves each file of a model at its own URL, such as a Hugging Face model repository. A host that
/// cannot be reached, or that answers with an HTTP error, makes the fetch move on to the model's next source; a file
/// of another size or checksum is an error (pinned files do not change, so it is not the published file).
/// </summary>
public sealed record HttpModelSource : PretrainedModelSource
{
    /// <summary>The files, each with its URL, size and SHA-256. Required.</summary>
    public required IReadOnlyList<HttpModelFile> Files { get; init; }

    /// <inheritdoc />
    public override IReadOnlyList<string> FileNames => Files.Select(f => f.Name).ToList();
}
