using Microsoft.ML.Data;

namespace Distill.Samples.MLNet;

/// <summary>One row of SST-2's train.tsv or dev.tsv: the sentence and its label, "0" (negative) or "1" (positive).</summary>
public sealed class Sst2Row
{
    [LoadColumn(0)]
    public string Sentence { get; set; } = string.Empty;

    [LoadColumn(1)]
    public string Label { get; set; } = string.Empty;
}

/// <summary>What the sample asks a PredictionEngine for.</summary>
public sealed class SentimentPrediction
{
    public float[] Score { get; set; } = [];

    public float Probability { get; set; }

    public bool BinaryPredictedLabel { get; set; }
}

/// <summary>The teacher's logits, as the teacher-outputs transformer writes them (SST-2 has two classes).</summary>
public sealed class TeacherLogitsRow
{
    [VectorType(2)]
    public float[] TeacherLogits { get; set; } = [];
}

/// <summary>The teacher's probabilities and prediction, in the form MulticlassClassification.Evaluate reads.</summary>
public sealed class TeacherScoreRow
{
    [VectorType(2)]
    public float[] TeacherScore { get; set; } = [];

    [KeyType(2)]
    public uint TeacherPredictedLabel { get; set; }
}
