using Distill.Evaluation.Internal;

namespace Distill.Evaluation;

/// <summary>
/// Measures ONNX classifiers the way they are served on a CPU: ONNX Runtime, all graph optimisations, no GPU. It
/// reports batch-1 latency (the median of timed runs, after untimed warm-up runs), throughput at a batch of 32 rows
/// and the file size. Inputs are made up from the model's declared inputs: random token ids (below the vocabulary
/// size read from the embedding table), an all-ones attention mask and zero token types for text models; uniform
/// random floats for image and tabular models.
/// </summary>
/// <remarks>
/// <see cref="Compare"/> measures a teacher and a student in one process and alternates their timed runs, so that
/// whatever else the machine does slows both alike and their ratio stays fair. ONNX Runtime's worker threads are told
/// not to spin between runs (<c>session.intra_op.allow_spinning = 0</c>): spinning threads of one session would take
/// the cores the other needs. That costs the smallest models a few microseconds per run against a lone, spinning
/// session.
/// </remarks>
public static class OnnxBench
{
    /// <summary>Measures the model at <paramref name="path"/>.</summary>
    /// <exception cref="DistillException">The settings are invalid, or the file is missing, not ONNX, or cannot be run.</exception>
    public static OnnxBenchResult Measure(string path, OnnxBenchOptions? options = null) => Run([path], options)[0];

    /// <summary>Measures a teacher and a student together, alternating their runs.</summary>
    /// <exception cref="DistillException">The settings are invalid, or either file is missing, not ONNX, or cannot be run.</exception>
    public static OnnxBenchComparison Compare(string teacherPath, string studentPath, OnnxBenchOptions? options = null)
    {
        var results = Run([teacherPath, studentPath], options);
        return new OnnxBenchComparison(results[0], results[1]);
    }

    private static IReadOnlyList<OnnxBenchResult> Run(string[] paths, OnnxBenchOptions? options)
    {
        options ??= new OnnxBenchOptions();
        var errors = options.Validate().ToList();
        if (errors.Count > 0)
        {
            throw EvaluationErrors.InvalidOptions(errors);
        }

        var models = new List<BenchModel>();
        try
        {
            foreach (var path in paths)
            {
                ArgumentException.ThrowIfNullOrWhiteSpace(path);
                models.Add(BenchModel.Load(path, options));
            }

            foreach (var model in models)
            {
                for (var i = 0; i < options.WarmupRuns; i++)
                {
                    model.Time(1);
                    model.Time(options.BatchSize);
                }
            }

            var latency = Timings(models, 1, options.Repeats);
            var batch = Timings(models, options.BatchSize, options.BatchRepeats);
            return models.Select((model, m) => new OnnxBenchResult
            {
                Path = model.Path,
                Bytes = model.Bytes,
                LatencyMs = Median(latency[m]),
                ThroughputRowsPerSecond = options.BatchSize / (Median(batch[m]) / 1000),
                Settings = options,
                SequenceLength = model.SequenceLength,
                Inputs = model.Inputs,
            }).ToList();
        }
        finally
        {
            foreach (var model in models)
            {
                model.Dispose();
            }
        }
    }

    // Round r runs the models in turn, starting with a different one each round, so neither always goes first.
    private static List<double>[] Timings(List<BenchModel> models, int rows, int repeats)
    {
        var times = models.Select(_ => new List<double>(repeats)).ToArray();
        for (var r = 0; r < repeats; r++)
        {
            for (var k = 0; k < models.Count; k++)
            {
                var m = (r + k) % models.Count;
                times[m].Add(models[m].Time(rows));
            }
        }

        return times;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
