namespace Distill.Metrics;

/// <summary>
/// How well predicted class probabilities match the labels: accuracy, macro-F1 (the mean of the per-class F1 scores,
/// which imbalanced sets such as emotion need beside accuracy), log loss, the confusion matrix and, when the teacher's
/// predictions are given, the share of rows where student and teacher pick the same class.
/// </summary>
public sealed record ClassificationMetrics
{
    /// <summary>Rows evaluated.</summary>
    public required int Rows { get; init; }

    /// <summary>Share of rows whose most probable class is the label.</summary>
    public required double Accuracy { get; init; }

    /// <summary>Mean over classes of F1 = 2·precision·recall / (precision + recall); a class never predicted nor present counts 0.</summary>
    public required double MacroF1 { get; init; }

    /// <summary>Mean of −log p(label).</summary>
    public required double LogLoss { get; init; }

    /// <summary>F1 of each class, in label-id order.</summary>
    public required IReadOnlyList<double> F1PerClass { get; init; }

    /// <summary>Confusion[label][predicted]: counts of rows.</summary>
    public required IReadOnlyList<IReadOnlyList<int>> Confusion { get; init; }

    /// <summary>Share of rows where the student's and the teacher's most probable classes agree; null without the teacher.</summary>
    public double? TeacherAgreement { get; init; }

    /// <summary>
    /// Computes the metrics of <paramref name="probabilities"/> (one row per example, one column per class) against
    /// <paramref name="labels"/>; <paramref name="teacherPredictions"/> (class ids) gives the agreement.
    /// </summary>
    public static ClassificationMetrics Compute(IReadOnlyList<int> labels, IReadOnlyList<float[]> probabilities, IReadOnlyList<int>? teacherPredictions = null)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(probabilities);
        if (labels.Count != probabilities.Count || labels.Count == 0)
        {
            throw new ArgumentException($"labels and probabilities must have the same, non-zero number of rows (were {labels.Count} and {probabilities.Count})");
        }

        var classes = probabilities[0].Length;
        var confusion = new int[classes][];
        for (var c = 0; c < classes; c++)
        {
            confusion[c] = new int[classes];
        }

        double logLoss = 0;
        var correct = 0;
        var agree = 0;
        for (var i = 0; i < labels.Count; i++)
        {
            var label = labels[i];
            if ((uint)label >= (uint)classes)
            {
                throw new ArgumentException($"labels[{i}] = {label} is outside the {classes} classes");
            }

            var predicted = ArgMax(probabilities[i]);
            confusion[label][predicted]++;
            correct += predicted == label ? 1 : 0;
            logLoss -= Math.Log(Math.Max(probabilities[i][label], 1e-12));
            if (teacherPredictions is not null && teacherPredictions[i] == predicted)
            {
                agree++;
            }
        }

        var f1 = new double[classes];
        for (var c = 0; c < classes; c++)
        {
            var truePositives = confusion[c][c];
            var predictedAs = Enumerable.Range(0, classes).Sum(l => confusion[l][c]);
            var actual = confusion[c].Sum();
            f1[c] = truePositives == 0 ? 0 : 2.0 * truePositives / (predictedAs + actual);
        }

        return new ClassificationMetrics
        {
            Rows = labels.Count,
            Accuracy = (double)correct / labels.Count,
            MacroF1 = f1.Average(),
            LogLoss = logLoss / labels.Count,
            F1PerClass = f1,
            Confusion = confusion,
            TeacherAgreement = teacherPredictions is null ? null : (double)agree / labels.Count,
        };
    }

    /// <summary>Index of the largest value (the first, on ties).</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }

    /// <summary>The value of a metric by its name: accuracy, macro_f1 or log_loss (lower is better for log_loss).</summary>
    public double Get(string metric) => metric switch
    {
        "accuracy" => Accuracy,
        "macro_f1" => MacroF1,
        "log_loss" => LogLoss,
        _ => throw new ArgumentException($"metric must be accuracy, macro_f1 or log_loss (was '{metric}')", nameof(metric)),
    };
}
