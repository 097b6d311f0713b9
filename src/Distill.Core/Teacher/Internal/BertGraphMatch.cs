using Distill.Students;

namespace Distill.Teacher.Internal;

/// <summary>A weight the importer found, in PyTorch's layout ([out, in] for a Linear).</summary>
internal sealed record MatchedWeight(long[] Shape, float[] Values);

/// <summary>
/// What <see cref="BertGraphMatcher"/> read off a BERT-family encoder graph: the settings of the matching
/// <see cref="TransformerStudent"/>, every weight under its state-dict key, and the graph tensors that hold the hidden
/// states (the embeddings' LayerNorm output, then each layer's output), which the import's parity check reads.
/// </summary>
internal sealed record BertGraphMatch
{
    public required TransformerStudentOptions Options { get; init; }

    public required IReadOnlyDictionary<string, MatchedWeight> Weights { get; init; }

    /// <summary>The hidden-state tensors: index 0 the embeddings, index i the output of layer i.</summary>
    public required IReadOnlyList<string> HiddenStates { get; init; }

    public required string TokenIdsInput { get; init; }

    public required string AttentionMaskInput { get; init; }

    /// <summary>The token type (segment) input, or null when the graph has no segment embedding.</summary>
    public string? TokenTypeIdsInput { get; init; }

    /// <summary>True when the graph has BERT's pooler (dense and tanh over the first token).</summary>
    public bool HasPooler { get; init; }

    /// <summary>True when the graph has a classifier over the pooler's output.</summary>
    public bool HasClassifier { get; init; }

    /// <summary>The classifier's output, which the parity check compares with the module's logits; null without one.</summary>
    public string? LogitsTensor { get; init; }

    /// <summary>How the graph writes its parts, for the import report: "MatMul (transposed weights), LayerNorm (decomposed), GELU (Erf)".</summary>
    public required string Style { get; init; }
}
