using static TorchSharp.torch;

namespace Distill.Students;

/// <summary>
/// What a student returns: logits, and the intermediate tensors the input asked for (null where not asked for or
/// not part of the architecture).
/// </summary>
public sealed class StudentOutput
{
    /// <summary>Class logits, [batch, labels].</summary>
    public required Tensor Logits { get; init; }

    /// <summary>Attention scores per layer (see <see cref="Intermediates.AttentionScores"/>).</summary>
    public IReadOnlyList<Tensor>? AttentionScores { get; init; }

    /// <summary>Attention probabilities per layer (see <see cref="Intermediates.AttentionProbabilities"/>).</summary>
    public IReadOnlyList<Tensor>? AttentionProbabilities { get; init; }

    /// <summary>Hidden states, embeddings first (see <see cref="Intermediates.HiddenStates"/>).</summary>
    public IReadOnlyList<Tensor>? HiddenStates { get; init; }

    /// <summary>Value vectors per layer (see <see cref="Intermediates.Values"/>).</summary>
    public IReadOnlyList<Tensor>? Values { get; init; }

    /// <summary>Feature maps per stage (see <see cref="Intermediates.FeatureMaps"/>).</summary>
    public IReadOnlyList<Tensor>? FeatureMaps { get; init; }
}
