using System.Text.Json.Serialization;

namespace Distill.Training;

/// <summary>An <c>eval</c> line of the metrics log: the student's dev metrics after an epoch.</summary>
public sealed record MetricsLogEvaluation : MetricsLogLine
{
    /// <summary>Dev accuracy, a fraction in [0, 1]; NaN when the line has none.</summary>
    [JsonPropertyName("accuracy")]
    public double Accuracy { get; init; } = double.NaN;

    /// <summary>Dev macro-F1, a fraction in [0, 1]; NaN when the line has none.</summary>
    [JsonPropertyName("macro_f1")]
    public double MacroF1 { get; init; } = double.NaN;

    /// <summary>Dev log loss, in nats; NaN when the line has none.</summary>
    [JsonPropertyName("log_loss")]
    public double LogLoss { get; init; } = double.NaN;

    /// <summary>Share of dev rows where student and teacher pick the same class; null without the teacher's dev predictions.</summary>
    [JsonPropertyName("teacher_agreement")]
    public double? TeacherAgreement { get; init; }

    /// <summary>Whether this evaluation was the best so far, so that the best checkpoint was saved after it.</summary>
    [JsonPropertyName("best")]
    public bool Best { get; init; }
}
