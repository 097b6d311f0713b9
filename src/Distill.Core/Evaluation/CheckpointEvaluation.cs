using Distill.Metrics;
using Distill.Students.Checkpoints;
using Distill.Training;

namespace Distill.Evaluation;

/// <summary>What a saved student checkpoint scores on labelled examples, with its class probabilities.</summary>
/// <param name="Metrics">Accuracy, macro-F1, log loss, calibration and the agreement with the teacher.</param>
/// <param name="Probabilities">Class probabilities per example, in the examples' order.</param>
public sealed record CheckpointScore(ClassificationMetrics Metrics, float[][] Probabilities);

/// <summary>Evaluates saved student checkpoints, as the recipe runner does for every seed's best checkpoint.</summary>
public static class CheckpointEvaluation
{
    /// <summary>
    /// Loads the checkpoint in <paramref name="folder"/> and scores it on each set of examples given (null: skipped);
    /// the teacher's predicted classes of the same set, when given, give the agreement. Float examples are fed as
    /// <paramref name="featureShape"/> (null: text, or features as a vector).
    /// </summary>
    /// <exception cref="DistillException">The checkpoint cannot be read.</exception>
    public static IReadOnlyList<CheckpointScore?> Evaluate(string folder, IReadOnlyList<int>? featureShape,
        params (IReadOnlyList<StudentExample>? Examples, IReadOnlyList<int>? TeacherPredictions)[] sets)
    {
        using var model = StudentCheckpoint.Load(folder).Model;
        return sets.Select(set =>
        {
            if (set.Examples is null)
            {
                return null;
            }

            var probabilities = StudentEvaluator.Predict(model, set.Examples, featureShape: featureShape);
            return new CheckpointScore(
                ClassificationMetrics.Compute(set.Examples.Select(e => e.Label).ToList(), probabilities, set.TeacherPredictions), probabilities);
        }).ToList();
    }
}
