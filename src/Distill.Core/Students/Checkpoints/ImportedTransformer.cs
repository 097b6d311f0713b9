namespace Distill.Students.Checkpoints;

/// <summary>A transformer built from another tool's files (a Hugging Face checkpoint, an ONNX model), with what was loaded.</summary>
public sealed record ImportedTransformer
{
    /// <summary>The model, in evaluation mode (call <c>train()</c> to fine-tune it), on the CPU. The caller disposes it.</summary>
    public required TransformerStudent Model { get; init; }

    /// <summary>Which weights were loaded, missing, unexpected or ignored.</summary>
    public required WeightImportReport Report { get; init; }

    /// <summary>Class names in logit order when the source names them (a config.json's <c>id2label</c>); otherwise null.</summary>
    public IReadOnlyList<string>? Labels { get; init; }

    /// <summary>For an ONNX import: how closely the module reproduces the graph, measured on sample inputs; else null.</summary>
    public TransformerImportParity? Parity { get; init; }

    /// <summary>For an ONNX import: how the graph wrote its parts ("MatMul, LayerNorm (decomposed), GELU (Erf)"); else null.</summary>
    public string? Structure { get; init; }
}
