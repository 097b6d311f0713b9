using System.Text.Json;

namespace Distill.Evaluation.Internal;

/// <summary>
/// Reads a training run's <c>metrics.jsonl</c> (see <c>DistillationTrainer</c>): <c>step</c> lines give the loss and
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
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(line);
            }
            catch (JsonException)
            {
                continue;
            }

            using (document)
            {
                var entry = document.RootElement;
                if (entry.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                var stage = String(entry, "stage") ?? "train";
                switch (String(entry, "kind"))
                {
                    case "step":
                        var terms = entry.TryGetProperty("terms", out var t) && t.ValueKind == JsonValueKind.Object
                            ? t.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Number).Select(p => KeyValuePair.Create(p.Name, p.Value.GetDouble())).ToList()
                            : [];
                        steps.Add(new Step(stage, (long)(Number(entry, "global_step") ?? steps.Count + 1), Number(entry, "loss") ?? double.NaN, terms));
                        break;
                    case "eval":
                        evaluations.Add(new Evaluation(stage, (int)(Number(entry, "epoch") ?? 0), (long)(Number(entry, "step") ?? 0),
                            Number(entry, "accuracy") ?? double.NaN, Number(entry, "macro_f1") ?? double.NaN, Number(entry, "log_loss") ?? double.NaN,
                            Number(entry, "teacher_agreement")));
                        break;
                }
            }
        }

        return (steps, evaluations);
    }

    private static string? String(JsonElement entry, string name) =>
        entry.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static double? Number(JsonElement entry, string name) =>
        entry.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;
}
