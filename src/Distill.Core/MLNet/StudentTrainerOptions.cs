using Distill.Losses;
using Distill.Platform;
using Distill.Students;
using Distill.Training;

namespace Distill.MLNet;

/// <summary>
/// Settings of <see cref="StudentTrainerEstimator"/>: the student, its objective and schedule, and the columns it
/// reads. Text students (transformer, BiLSTM, text CNN) read token columns; the MLP and the image CNN read a float
/// vector.
/// </summary>
public sealed record StudentTrainerOptions
{
    /// <summary>The student's architecture and size. Its <c>NumLabels</c> must be the label column's key count. Required.</summary>
    public required StudentOptions Student { get; init; }

    /// <summary>
    /// The objective. Default null: <c>0.5·CE + 0.5·KD [T=4]</c> when the input has the teacher-logits column, CE alone
    /// when it does not. The ML.NET path carries the teacher's logits only, so the terms may be <c>ce</c>, <c>kd</c> and
    /// <c>dkd</c>; terms on intermediate tensors need the engine and a teacher cache.
    /// </summary>
    public WeightedLossSum? Loss { get; init; }

    /// <summary>Stages with their own objective and schedule; when given, they replace <see cref="Loss"/>, <see cref="Epochs"/> and <see cref="LearningRate"/>. Default null.</summary>
    public IReadOnlyList<TrainingStage>? Stages { get; init; }

    /// <summary>Passes over the training rows, ≥ 1. Default 3.</summary>
    public int Epochs { get; init; } = 3;

    /// <summary>Rows per optimizer step, ≥ 1. Default 32.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>
    /// Peak AdamW learning rate (linear warm-up over the first 10% of steps, then linear decay), &gt; 0. Default null:
    /// 2e-4 for a transformer trained from scratch, 1e-3 for the BiLSTM, CNN and MLP students.
    /// </summary>
    public double? LearningRate { get; init; }

    /// <summary>Seed of the student's initialisation, the shuffles and dropout: the same seed gives the same student on the same machine. Default 42.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Where checkpoints and the metrics log go. Default null: a new folder under the system temp folder (<c>distill-mlnet-*</c>), kept after training.</summary>
    public string? OutputDirectory { get; init; }

    /// <summary>Where the student trains: auto, cpu, cuda or cuda:N. Default auto.</summary>
    public DeviceSetting Device { get; init; } = DeviceSetting.Auto;

    /// <summary>Receives the engine's progress reports (loss, learning rate, rows per second). Default null.</summary>
    public IProgress<TrainingProgress>? Progress { get; init; }

    /// <summary>The label column: a key with one value per class, as MapValueToKey makes it. Default <c>Label</c>.</summary>
    public string LabelColumnName { get; init; } = DistillColumnNames.Label;

    /// <summary>The teacher's logits (<c>Vector&lt;Single, classes&gt;</c>); when the input lacks it, training uses labels only. Default <c>TeacherLogits</c>.</summary>
    public string TeacherLogitsColumnName { get; init; } = DistillColumnNames.TeacherLogits;

    /// <summary>Token ids, for text students. Default <c>InputIds</c>.</summary>
    public string InputIdsColumnName { get; init; } = DistillColumnNames.InputIds;

    /// <summary>Attention mask, for text students; optional (every token counts without it). Default <c>AttentionMask</c>.</summary>
    public string AttentionMaskColumnName { get; init; } = DistillColumnNames.AttentionMask;

    /// <summary>Segment ids, for the transformer student; optional (zeros without it). Default <c>TokenTypeIds</c>.</summary>
    public string TokenTypeIdsColumnName { get; init; } = DistillColumnNames.TokenTypeIds;

    /// <summary>Float features, for the MLP and image CNN students. Default <c>Features</c>.</summary>
    public string FeatureColumnName { get; init; } = DistillColumnNames.Features;

    /// <summary>Per-row shape of the features for the image CNN, e.g. [1, 28, 28]; null for the other students (the default).</summary>
    public IReadOnlyList<int>? FeatureShape { get; init; }

    /// <summary>The learning rate used: <see cref="LearningRate"/>, or the student's default.</summary>
    public double EffectiveLearningRate => LearningRate ?? (Student?.Kind == StudentKind.Transformer ? 2e-4 : 1e-3);

    /// <summary>Every problem with these settings, naming the setting, its value and the fix; empty when valid.</summary>
    public IEnumerable<string> Validate()
    {
        if (Student is null)
        {
            yield return "Student is required: give the student's options (TransformerStudentOptions, BiLstmStudentOptions, ...)";
        }
        else
        {
            foreach (var error in Student.Validate())
            {
                yield return error;
            }

            if (Student.Kind == StudentKind.ImageCnn && (FeatureShape is null || FeatureShape.Count != 3 || FeatureShape.Any(d => d < 1)))
            {
                yield return $"FeatureShape must be [channels, height, width] for an image_cnn student (was {Show(FeatureShape)})";
            }
            else if (Student.Kind == StudentKind.ImageCnn && Student is ImageCnnStudentOptions image && FeatureShape![0] != image.InputChannels)
            {
                yield return $"FeatureShape[0] must be the student's input_channels {image.InputChannels} (was {FeatureShape[0]})";
            }
        }

        if (Epochs < 1)
        {
            yield return $"Epochs must be >= 1 (was {Epochs})";
        }

        if (BatchSize < 1)
        {
            yield return $"BatchSize must be >= 1 (was {BatchSize})";
        }

        if (LearningRate is { } rate && !(rate > 0 && double.IsFinite(rate)))
        {
            yield return $"LearningRate must be > 0 (was {rate})";
        }

        if (Stages is { Count: 0 })
        {
            yield return "Stages must be null or list at least one stage";
        }

        if (Loss is { Terms.Count: 0 })
        {
            yield return "Loss has no terms; add ce, kd or dkd, or leave Loss null for the default";
        }

        foreach (var error in Internal.ColumnNameChecks.Required(
                     (nameof(LabelColumnName), LabelColumnName), (nameof(TeacherLogitsColumnName), TeacherLogitsColumnName),
                     (nameof(InputIdsColumnName), InputIdsColumnName), (nameof(AttentionMaskColumnName), AttentionMaskColumnName),
                     (nameof(TokenTypeIdsColumnName), TokenTypeIdsColumnName), (nameof(FeatureColumnName), FeatureColumnName)))
        {
            yield return error;
        }
    }

    private static string Show(IReadOnlyList<int>? shape) => shape is null ? "null" : $"[{string.Join(", ", shape)}]";
}
