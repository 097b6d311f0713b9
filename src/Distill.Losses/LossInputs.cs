using static TorchSharp.torch;

namespace Distill.Losses;

/// <summary>
/// Everything a batch offers the loss terms: the student's outputs, the teacher's targets, labels and masks. Each
/// term reads what it needs; a term that finds its input missing says which property to fill.
/// </summary>
/// <remarks>
/// Student lists hold one entry per student layer. Teacher lists hold one entry per teacher layer, with null for
/// layers that were not cached (only the layers a layer map uses need to be there). Hidden-state lists start with
/// the embedding output at index 0, then one entry per layer.
/// </remarks>
public sealed class LossInputs
{
    /// <summary>Student logits, [batch, classes].</summary>
    public Tensor? StudentLogits { get; init; }

    /// <summary>Teacher logits (or probabilities, where the KD term is told so), [batch, classes].</summary>
    public Tensor? TeacherLogits { get; init; }

    /// <summary>Class ids, [batch], int64; a negative id marks an unlabelled row (an augmented copy, say).</summary>
    public Tensor? Labels { get; init; }

    /// <summary>Token mask, [batch, sequence]: 1 for tokens, 0 for padding.</summary>
    public Tensor? AttentionMask { get; init; }

    /// <summary>Student attention scores per layer, [batch, heads, sequence, sequence], before softmax, no mask added.</summary>
    public IReadOnlyList<Tensor>? StudentAttentionScores { get; init; }

    /// <summary>Student attention probabilities per layer, [batch, heads, sequence, sequence].</summary>
    public IReadOnlyList<Tensor>? StudentAttentionProbabilities { get; init; }

    /// <summary>Teacher attention scores per layer (the Softmax input), [batch, heads, sequence, sequence].</summary>
    public IReadOnlyList<Tensor?>? TeacherAttentionScores { get; init; }

    /// <summary>Teacher attention probabilities per layer (the Softmax output), [batch, heads, sequence, sequence].</summary>
    public IReadOnlyList<Tensor?>? TeacherAttentionProbabilities { get; init; }

    /// <summary>Student hidden states, [batch, sequence, hidden]: embeddings at 0, then each layer's output.</summary>
    public IReadOnlyList<Tensor>? StudentHiddenStates { get; init; }

    /// <summary>Teacher hidden states, [batch, sequence, hidden]: embeddings at 0, then each layer's output.</summary>
    public IReadOnlyList<Tensor?>? TeacherHiddenStates { get; init; }

    /// <summary>Student value vectors per layer, [batch, heads, sequence, head size].</summary>
    public IReadOnlyList<Tensor>? StudentValues { get; init; }

    /// <summary>Teacher value vectors per layer, [batch, heads, sequence, head size].</summary>
    public IReadOnlyList<Tensor?>? TeacherValues { get; init; }

    /// <summary>Student CNN feature maps per stage, [batch, channels, height, width].</summary>
    public IReadOnlyList<Tensor>? StudentFeatureMaps { get; init; }

    /// <summary>Teacher CNN feature maps per stage, [batch, channels, height, width].</summary>
    public IReadOnlyList<Tensor?>? TeacherFeatureMaps { get; init; }

    /// <summary>
    /// Logits of the block-wise stepping-stone paths, [batch, classes] each: path i runs the student's first i
    /// blocks, a connector, then the frozen teacher's remaining blocks and head (i = 1..n).
    /// </summary>
    public IReadOnlyList<Tensor>? PathLogits { get; init; }

    /// <summary>Where training stands; schedules and warm-ups read it.</summary>
    public LossProgress Progress { get; init; } = LossProgress.Start;

    /// <summary>Returns the property's value or throws an error that names the term and the property to fill.</summary>
    internal T Require<T>(T? value, string term, string property, string hint)
        where T : class
    {
        return value ?? throw new InvalidOperationException(
            $"Loss '{term}' needs LossInputs.{property}, which this batch does not have: {hint}");
    }
}
