namespace Distill.Students.Checkpoints;

/// <summary>How closely the imported module reproduces the ONNX graph, measured by running both on the same inputs.</summary>
public sealed record TransformerImportParity
{
    /// <summary>The largest absolute difference at each hidden state: index 0 the embeddings, index i layer i's output.</summary>
    public required IReadOnlyList<double> HiddenStates { get; init; }

    /// <summary>The largest absolute difference of the logits, when the graph has a classifier; else null.</summary>
    public double? Logits { get; init; }

    /// <summary>The largest of all the differences.</summary>
    public double LargestDifference => HiddenStates.Append(Logits ?? 0).Max();

    /// <summary>The limit the import was held to.</summary>
    public required double Tolerance { get; init; }

    /// <summary>What the two ran on, for reports: "3 sequences of up to 16 tokens, with padding".</summary>
    public required string Inputs { get; init; }
}
