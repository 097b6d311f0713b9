namespace Distill.MLNet;

/// <summary>
/// The column names Distill's estimators read and write unless told otherwise.
/// </summary>
/// <remarks>
/// Token columns are vectors of <see cref="long"/> (ML.NET <c>Vector&lt;Int64&gt;</c>) of variable length, one item
/// per token and no padding: <see cref="InputIds"/> holds <c>[CLS] tokens [SEP]</c> (or <c>[CLS] a [SEP] b [SEP]</c>),
/// <see cref="AttentionMask"/> a 1 per token, <see cref="TokenTypeIds"/> the segment (0 for the first text, 1 for the
/// second). The teacher and the students pad batches themselves. Columns of another origin may be padded vectors of
/// known size: a mask with zeros marks the padding, which Distill then drops.
/// </remarks>
public static class DistillColumnNames
{
    /// <summary>The text the tokenizer reads: <c>Text</c>.</summary>
    public const string Text = "Text";

    /// <summary>Token ids: <c>InputIds</c>, <c>Vector&lt;Int64&gt;</c>.</summary>
    public const string InputIds = "InputIds";

    /// <summary>Attention mask, 1 per token: <c>AttentionMask</c>, <c>Vector&lt;Int64&gt;</c>.</summary>
    public const string AttentionMask = "AttentionMask";

    /// <summary>Segment ids: <c>TokenTypeIds</c>, <c>Vector&lt;Int64&gt;</c>.</summary>
    public const string TokenTypeIds = "TokenTypeIds";

    /// <summary>Float inputs of vision and tabular teachers and of the MLP student: <c>Features</c>, <c>Vector&lt;Single, n&gt;</c>.</summary>
    public const string Features = "Features";

    /// <summary>The label, a key column as MapValueToKey makes it: <c>Label</c>.</summary>
    public const string Label = "Label";

    /// <summary>The teacher's logits: <c>TeacherLogits</c>, <c>Vector&lt;Single, classes&gt;</c>.</summary>
    public const string TeacherLogits = "TeacherLogits";

    /// <summary>The student's class probabilities (softmax of its logits): <c>Score</c>, <c>Vector&lt;Single, classes&gt;</c>, with the label names as slot names.</summary>
    public const string Score = "Score";

    /// <summary>The student's most probable class: <c>PredictedLabel</c>, a key with the label names as key values.</summary>
    public const string PredictedLabel = "PredictedLabel";

    /// <summary>
    /// Two-class students only: the log-odds of the second label (the positive class; key value 2 of the label
    /// column), <c>ln p1 − ln p0</c>, a <c>Single</c>: the score <c>BinaryClassification.Evaluate</c> reads.
    /// </summary>
    public const string BinaryScore = "BinaryScore";

    /// <summary>Two-class students only: the probability of the second label (the positive class), a <c>Single</c>.</summary>
    public const string Probability = "Probability";

    /// <summary>Two-class students only: whether the second label (the positive class) is predicted, a <c>Boolean</c>.</summary>
    public const string BinaryPredictedLabel = "BinaryPredictedLabel";
}
