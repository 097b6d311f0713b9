namespace Distill.Data.Pretrained;

/// <summary>One file of a pretrained model's folder, for example <c>model.onnx</c> or <c>vocab.txt</c>.</summary>
public sealed record PretrainedModelFile
{
    /// <summary>The file's name in the model's folder. Required.</summary>
    public required string Name { get; init; }

    /// <summary>What the file holds, in a few words, for listings and for the message that says where to put it by hand
    /// (for example <c>ONNX encoder, fp32</c>).</summary>
    public string Description { get; init; } = string.Empty;
}
