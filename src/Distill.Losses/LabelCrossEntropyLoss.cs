using System.Globalization;
using Distill.Losses.Internal;
using static TorchSharp.torch;

namespace Distill.Losses;

/// <summary>Settings of <see cref="LabelCrossEntropyLoss"/>.</summary>
public sealed record LabelCrossEntropyLossOptions
{
    /// <summary>
    /// Label smoothing ε in [0, 1): the target puts 1 − ε on the label and spreads ε evenly over all classes
    /// (Szegedy et al. 2016), as PyTorch's <c>label_smoothing</c> does. Default 0.
    /// </summary>
    public double LabelSmoothing { get; init; }

    /// <summary>Returns every problem with these settings; empty when they are valid.</summary>
    public IEnumerable<string> Validate() => new[]
    {
        LabelSmoothing is >= 0 and < 1 ? null : $"label_smoothing must be in [0, 1) (was {LabelSmoothing.ToString(CultureInfo.InvariantCulture)})",
    }.OfType<string>();
}

/// <summary>
/// Cross-entropy of the student's logits against the labels, with optional label smoothing:
/// <code>L_CE = −(1/|B_l|) Σ_{b ∈ B_l} Σ_c q_b(c) · log softmax(s_b)(c),  q_b = (1 − ε)·onehot(y_b) + ε/C</code>
/// averaged over the labelled rows B_l. A negative label marks an unlabelled row (an augmented copy in a transfer
/// set, say): it is left out, and a batch with no labelled row gives 0.
/// </summary>
public sealed class LabelCrossEntropyLoss : ILossTerm
{
    /// <summary>Creates the term; throws if the options are invalid.</summary>
    public LabelCrossEntropyLoss(LabelCrossEntropyLossOptions? options = null)
    {
        Options = options ?? new LabelCrossEntropyLossOptions();
        LossOptionChecks.ThrowIfInvalid("ce", Options.Validate());
    }

    /// <summary>The term's settings.</summary>
    public LabelCrossEntropyLossOptions Options { get; }

    /// <inheritdoc />
    public string Key => "ce";

    /// <inheritdoc />
    public string Formula => Options.LabelSmoothing > 0
        ? $"CE_ε(s, y) [ε={LossOptionChecks.Format(Options.LabelSmoothing)}]"
        : "CE(s, y)";

    /// <summary>Computes the loss; returns a scalar.</summary>
    /// <param name="studentLogits">Student logits, [batch, classes].</param>
    /// <param name="labels">Class ids, [batch], integer; negative = unlabelled.</param>
    public Tensor Compute(Tensor studentLogits, Tensor labels)
    {
        Guard.Rank(studentLogits, 2, "[batch, classes]");
        Guard.FloatingPoint(studentLogits);

        using var scope = NewDisposeScope();
        var labelled = LabelChecks.Labelled(labels, studentLogits);
        var classes = studentLogits.shape[1];
        var logProbs = nn.functional.log_softmax(Divergence.AtLeastFloat32(studentLogits), -1);
        var safeLabels = labels.to(ScalarType.Int64).AtLeast(0);
        var onLabel = -logProbs.gather(1, safeLabels.unsqueeze(1)).squeeze(1);
        var perRow = Options.LabelSmoothing > 0
            ? onLabel.Times(1 - Options.LabelSmoothing) - logProbs.sum(-1).Times(Options.LabelSmoothing / classes)
            : onLabel;
        var weights = labelled.to(perRow.dtype);
        return (perRow * weights).sum().div(weights.sum().AtLeast(1)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public Tensor Compute(LossInputs inputs)
    {
        var student = inputs.Require(inputs.StudentLogits, Key, nameof(LossInputs.StudentLogits), "pass the student's logits");
        var labels = inputs.Require(inputs.Labels, Key, nameof(LossInputs.Labels), "this batch has no label column");
        return Compute(student, labels);
    }

    /// <inheritdoc />
    public override string ToString() => Formula;
}
