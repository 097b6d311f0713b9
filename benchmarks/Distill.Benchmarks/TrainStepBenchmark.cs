using System.Diagnostics;
using Distill.Cache;
using Distill.Data;
using Distill.Export;
using Distill.Losses;
using Distill.Students;
using Distill.Teacher;
using Distill.Text;
using Distill.Training;
using static TorchSharp.torch;

namespace Distill.Benchmarks;

/// <summary>
/// What the distillation machinery costs per training step. A TinyBERT-4-shaped student (4 layers, 312 hidden,
/// 12 heads, 1200 intermediate) trains at batch 32 on SST-2 train sentences in two ways, in one run:
/// (a) a bare TorchSharp loop: the same model, length-bucketed batches of the same rows, AdamW, plain cross-entropy;
/// (b) Distill's engine with KD on logits and MiniLM's attention KL on 4 layers, both read from a teacher cache.
/// MFU is the analytic FLOPs of the student's training steps (forward and backward, 3× the forward's matrix products)
/// per second, over the gemm-peak ceiling measured in the same run. The engine also runs 3 epochs with a small dev set,
/// and its resident memory after epoch 3 is compared with after epoch 1.
/// </summary>
internal static class TrainStepBenchmark
{
    public static int Run(string[] args)
    {
        var options = new BenchmarkOptions("train-step", args, "rows", "data");
        var rowCount = options.Int("rows", 2048);
        var dataDir = options.Text("data", Environment.GetEnvironmentVariable("DISTILL_DATA_DIR") ?? Path.Combine("..", "shared", "data"));
        var trainPath = Path.Combine(dataDir, "sst2", "train.tsv");
        var vocabPath = Path.Combine(dataDir, "vocab", "bert-base-uncased.txt");
        if (!File.Exists(trainPath) || !File.Exists(vocabPath))
        {
            throw new ArgumentException($"train-step: SST-2 and the BERT vocabulary are not under {Path.GetFullPath(dataDir)}; pass --data <folder> or set DISTILL_DATA_DIR");
        }

        var work = Directory.CreateTempSubdirectory("distill-train-step-").FullName;
        try
        {
            return Measure(work, trainPath, vocabPath, rowCount);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static int Measure(string work, string trainPath, string vocabPath, int rowCount)
    {
        const int batchSize = 32;
        var peak = GemmPeak.Measure([1024, 2048], 3).Max(m => m.Gflops);
        var student = TransformerStudentOptions.TinyBert4();
        var encoder = TextEncoder.Create(new TextEncoderOptions { VocabPath = vocabPath, MaxLength = 64 });
        var rows = DataSource.Read(new DataSourceOptions { Path = trainPath, TextColumns = [DataColumn.Named("sentence")], LabelColumn = DataColumn.Named("label") })
            .Take(rowCount + 64).ToList();
        var examples = rows.Select(r => new StudentExample(r.Id, 0, encoder.Encode(r), null, int.Parse(r.Label!, System.Globalization.CultureInfo.InvariantCulture))).ToList();
        var train = examples.Take(rowCount).ToList();
        var dev = examples.Skip(rowCount).ToList();
        Console.WriteLine($"train-step: TinyBERT-4 student, batch {batchSize}, {train.Count} SST-2 rows (mean {train.Average(e => e.Length):F1} tokens), " +
                          $"{get_num_threads()} threads; gemm peak {peak:F1} GFLOP/s");

        // The teacher: BERT-like, 6 layers of 12 heads, random weights; its logits and the attention of the layers the
        // student's uniform map uses (0, 2, 3, 5) are cached before anything is timed.
        var teacherPath = Path.Combine(work, "teacher.onnx");
        manual_seed(1);
        using (var teacherModel = new TransformerStudent(new TransformerStudentOptions { Layers = 6, Hidden = 384, Heads = 12, Intermediate = 1536 }))
        {
            teacherModel.eval();
            OnnxExporter.Export(teacherModel, teacherPath);
        }

        int[] layers = [0, 2, 3, 5];
        using var teacher = OnnxTeacher.Load(teacherPath, new OnnxTeacherOptions { Device = Distill.Platform.DeviceSetting.Cpu, AttentionLayers = layers });
        var cacheFolder = new TeacherCacheBuilder(teacher, teacherPath, new TeacherCacheOptions
        {
            Tensors = [CachedTensorSpec.Logits(teacher.LogitsOutput), .. layers.Select(l => CachedTensorSpec.Attention(l, teacher.TapOutput(TeacherTapKind.AttentionProbabilities, l)))],
        }).Build(train.Select(e => new TeacherRow(e.RowId, 0, e.Text)).ToList(), Path.Combine(work, "cache")).Folder;
        using var cache = TeacherCache.Open(cacheFolder);

        // (a) bare loop, one warm-up epoch then one timed epoch.
        var (bareSeconds, bareTokens) = BareEpochs(student, train, batchSize);
        var bareFlops = TrainingFlops(student, bareTokens);
        Console.WriteLine($"  (a) bare TorchSharp loop, cross-entropy:  {train.Count / bareSeconds,7:F1} rows/s ({bareSeconds:F1} s/epoch), MFU {bareFlops / bareSeconds / 1e9 / peak:F2}");

        // (b) the engine: 3 epochs with evaluation after each; epoch 1 is the warm-up, epochs 2 and 3 are timed.
        manual_seed(2);
        using var model = student.CreateModel();
        var stage = new TrainingStage
        {
            Loss = new WeightedLossSum().Add(new KdLoss(new KdLossOptions { Temperature = 2 }), 0.5)
                .Add(new AttentionKlLoss(new AttentionKlLossOptions { LayerMap = LayerMap.Uniform }), 0.5),
            Epochs = 3,
            LearningRate = 5e-5,
        };
        var epochEnds = new List<(double Seconds, long Resident)>();
        var clock = Stopwatch.StartNew();
        var result = new DistillationTrainer(model, new TrainingOptions
        {
            OutputDirectory = Path.Combine(work, "run"), BatchSize = batchSize, LogEverySteps = 1000, CheckpointEverySteps = 100_000,
            Device = Distill.Platform.DeviceSetting.Cpu,
        }, [stage]).Train(new TrainingData { Train = train, Dev = dev, Labels = ["0", "1"], Teacher = TeacherTargets.FromCache(cache) },
            new SynchronousProgress(p =>
            {
                if (p.Evaluation is not null)
                {
                    epochEnds.Add((clock.Elapsed.TotalSeconds, Process.GetCurrentProcess().WorkingSet64));
                }
            }));
        var engineSeconds = (epochEnds[2].Seconds - epochEnds[0].Seconds) / 2;
        var engineFlops = TrainingFlops(student, bareTokens);
        var ratio = bareSeconds / engineSeconds;
        var growth = (double)epochEnds[2].Resident / epochEnds[0].Resident;
        Console.WriteLine($"  (b) Distill engine, KD + attention KL:    {train.Count / engineSeconds,7:F1} rows/s ({engineSeconds:F1} s/epoch, evaluation included), MFU {engineFlops / engineSeconds / 1e9 / peak:F2}");
        Console.WriteLine($"  resident memory after epochs 1, 2, 3: {string.Join(", ", epochEnds.Select(e => $"{e.Resident / 1048576.0:N0} MiB"))} (epoch 3 / epoch 1 = {growth:F3}); {result.Steps} steps");
        Console.WriteLine(BenchmarkResult.Line("train-step",
            ("engine_vs_bare", ratio), ("mfu", engineFlops / engineSeconds / 1e9 / peak), ("bare_mfu", bareFlops / bareSeconds / 1e9 / peak),
            ("memory_epoch3_vs_epoch1", growth), ("gemm_peak_gflops", peak)));
        return 0;
    }

    /// <summary>Runs two epochs of the bare loop; returns the seconds of the second and its padded tokens.</summary>
    private static (double Seconds, long Tokens) BareEpochs(TransformerStudentOptions shape, IReadOnlyList<StudentExample> train, int batchSize)
    {
        manual_seed(2);
        using var model = new TransformerStudent(shape);
        model.train();
        // Distill's AdamW, which the engine runs too: TorchSharp's own makes temporary Scalars (see HeldScalarOps).
        using var optimizer = new AdamWOptimizer([new AdamWParameterGroup(model.parameters(), 5e-5, 0.01)]);
        double seconds = 0;
        long tokens = 0;
        for (var epoch = 0; epoch < 2; epoch++)
        {
            var watch = Stopwatch.StartNew();
            tokens = 0;
            foreach (var batch in Batches(train, batchSize, epoch))
            {
                using var scope = NewDisposeScope();
                var length = batch.Max(e => e.Length);
                tokens += (long)batch.Length * length;
                var ids = new long[batch.Length * length];
                var mask = new long[batch.Length * length];
                for (var i = 0; i < batch.Length; i++)
                {
                    batch[i].Text!.InputIds.CopyTo(ids, i * length);
                    Array.Fill(mask, 1L, i * length, batch[i].Length);
                }

                var logits = model.call(StudentInput.Text(tensor(ids, [batch.Length, length]), tensor(mask, [batch.Length, length]))).Logits;
                var loss = nn.functional.cross_entropy(logits, tensor(batch.Select(e => (long)e.Label).ToArray()));
                loss.backward();
                nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                optimizer.Step();
                optimizer.ZeroGrad();
            }

            seconds = watch.Elapsed.TotalSeconds;
        }

        return (seconds, tokens);
    }

    /// <summary>The engine's bucketing, written out: shuffle, sort windows of 50 batches by length, shuffle the batches.</summary>
    private static IEnumerable<StudentExample[]> Batches(IReadOnlyList<StudentExample> train, int batchSize, int epoch)
    {
        var random = new Random(epoch + 17);
        var order = train.ToArray();
        random.Shuffle(order);
        var batches = order.Chunk(batchSize * 50).SelectMany(w => w.OrderBy(e => e.Length).Chunk(batchSize)).ToArray();
        random.Shuffle(batches);
        return batches;
    }

    /// <summary>3 × the forward's matrix-product FLOPs over the padded tokens of an epoch.</summary>
    private static double TrainingFlops(TransformerStudentOptions o, long paddedTokens) =>
        3.0 * 2 * paddedTokens * o.Layers * (4.0 * o.Hidden * o.Hidden + 2.0 * o.Hidden * o.Intermediate);

    private sealed class SynchronousProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
