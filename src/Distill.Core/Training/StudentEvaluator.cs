using Distill.Metrics;
using Distill.Training.Internal;
using static TorchSharp.torch;

namespace Distill.Training;

/// <summary>Runs a student over examples in eval mode and turns its logits into probabilities and metrics.</summary>
public static class StudentEvaluator
{
    /// <summary>
    /// Class probabilities for every example (softmax of the logits), in the examples' order, computed in
    /// length-sorted batches without gradients. <paramref name="featureShape"/> gives the per-example shape of float
    /// inputs (e.g. [1, 28, 28]); text needs none.
    /// </summary>
    public static float[][] Predict(Students.StudentModel student, IReadOnlyList<StudentExample> examples, int batchSize = 64, IReadOnlyList<int>? featureShape = null)
    {
        ArgumentNullException.ThrowIfNull(student);
        ArgumentNullException.ThrowIfNull(examples);
        var device = student.parameters().First().device;
        var wasTraining = student.training;
        student.eval();
        try
        {
            var result = new float[examples.Count][];
            var order = Enumerable.Range(0, examples.Count).OrderBy(i => examples[i].Length).ToArray();
            using var noGrad = no_grad();
            foreach (var chunk in order.Chunk(Math.Max(1, batchSize)))
            {
                using var scope = NewDisposeScope();
                var input = StudentBatches.Input(chunk.Select(i => examples[i]).ToList(), device, featureShape, Students.Intermediates.None);
                var probabilities = student.call(input).Logits.softmax(-1).to(ScalarType.Float32).cpu();
                var values = probabilities.data<float>().ToArray();
                var classes = (int)probabilities.shape[1];
                for (var r = 0; r < chunk.Length; r++)
                {
                    result[chunk[r]] = values.AsSpan(r * classes, classes).ToArray();
                }
            }

            return result;
        }
        finally
        {
            student.train(wasTraining);
        }
    }

    /// <summary>Metrics of the student on labelled examples; <paramref name="teacherPredictions"/> gives the agreement.</summary>
    /// <exception cref="DistillException">An example has no label.</exception>
    public static ClassificationMetrics Evaluate(Students.StudentModel student, IReadOnlyList<StudentExample> examples, int batchSize = 64,
        IReadOnlyList<int>? featureShape = null, IReadOnlyList<int>? teacherPredictions = null)
    {
        var unlabelled = examples.FirstOrDefault(e => e.Label < 0);
        if (unlabelled is not null)
        {
            throw TrainingErrors.EvaluationRowWithoutLabel(unlabelled.RowId);
        }

        return ClassificationMetrics.Compute(examples.Select(e => e.Label).ToList(), Predict(student, examples, batchSize, featureShape), teacherPredictions);
    }
}
