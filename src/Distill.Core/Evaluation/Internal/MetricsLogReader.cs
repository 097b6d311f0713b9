using Distill.Training;

namespace Distill.Evaluation.Internal;

/// <summary>
/// Reads a training run's <c>metrics.jsonl</c> (<see cref="MetricsLogLine"/>): <c>step</c> lines give the loss and
/// its terms over optimizer steps, <c>eval</c> lines the dev metrics after each epoch.
/// </summary>
internal static class MetricsLogReader
{
    /// <summary>One logged optimizer step.</summary>
    public sealed record Step(string Stage, long GlobalStep, double Loss, IReadOnlyList<KeyValuePair<string, double>> Terms);

    /// <summary>One dev evaluation.</summary>
    public sealed record Evaluation(string Stage, int Epoch, long Step, double Accuracy, double MacroF1, double LogLoss, double? TeacherAgreement);

    /// <summary>The steps and evaluations of the log at <paramref name="path"/>, in file order.</summary>
    /// <remarks>
    /// A line that is not a JSON object (the last line of a run killed while writing it) is skipped: the report is
    /// about the lines that were written whole.
    /// </remarks>
    public static (IReadOnlyList<Step> Steps, IReadOnlyList<Evaluation> Evaluations) Read(string path)
    {
        var steps = new List<Step>();
        var evaluations = new List<Evaluation>();
        foreach (var line in File.ReadLines(path))
        {
            switch (string.IsNullOrWhiteSpace(line) ? null : MetricsLogLine.Parse(line))
            {
                case MetricsLogStep step:
                    steps.Add(new Step(step.Stage, step.GlobalStep, step.Loss, [.. step.Terms]));
                    break;
                case MetricsLogEvaluation evaluation:
                    evaluations.Add(new Evaluation(evaluation.Stage, evaluation.Epoch, evaluation.Step, evaluation.Accuracy, evaluation.MacroF1,
                        evaluation.LogLoss, evaluation.TeacherAgreement));
                    break;
            }
        }

        return (steps, evaluations);
    }
}
