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
/// (A) a bare TorchSharp loop: its own model, AdamW, plain cross-entropy;
/// (B) Distill's engine with KD on logits and MiniLM's attention KL on 4 layers, both read from a teacher cache.
/// </summary>
/// <remarks>
/// <para>
/// The unit of work on both sides is one epoch over the same rows in the same batches: the bare loop bucketing the
/// rows exactly as the engine does (<see cref="Batches"/>, the engine's seed, stage 0, epoch 0), so both sides see the
/// same padded tokens. The engine's unit is one whole <see cref="DistillationTrainer.Train"/> of a one-epoch stage on
/// the same student (it keeps training across pairs; the bare loop likewise keeps its model): that includes the
/// trainer's set-up (checks, teacher binding, a new optimizer) and the checkpoint it writes at the stage's end, whose
/// time is printed apart. The bare loop's unit starts with a new optimizer too, as a one-epoch stage does: AdamW's
/// moments freshly allocated are slower to update for the whole epoch than ones a process has kept for minutes
/// (measured here: about 1 s of a 10 s epoch), so a bare loop that kept its optimizer would time less work than the
/// engine does and show a cost that is not the engine's. There is no dev set, so no evaluation on either
/// side. A warm-up pair is run and thrown away; then the sides alternate, A B A B ..., for <c>--pairs</c> pairs with
/// the garbage of one side collected before the other starts, and each pair gives bare time / engine time.
/// <c>engine_vs_bare</c> is the median of those ratios and <c>spread</c> their smallest..largest.
/// </para>
/// <para>
/// MFU is the analytic FLOPs of the student's training steps (forward and backward, 3× the forward's matrix products)
/// per second, over the gemm-peak ceiling sampled just before the same pair; the RESULT line gives the medians over the
/// pairs. The engine's resident memory after its last pair is compared with after its first timed pair.
/// </para>
/// </remarks>
internal static class TrainStepBenchmark
{
    private const int BatchSize = 32;
    private const int Seed = 42; // the engine's default seed: the bare loop draws the same batches from it
    private static readonly int[] PeakSizes = [1024, 2048];

    public static int Run(string[] args)
    {
        var options = new BenchmarkOptions("train-step", args, "rows", "data", "pairs", "threads");
        var rowCount = options.Int("rows", 2048);
        var pairs = options.Int("pairs", 7);
        if (options.Int("threads", 0) is > 0 and var threads)
        {
            set_num_threads(threads);
        }

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
            return Measure(work, trainPath, vocabPath, rowCount, pairs);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static int Measure(string work, string trainPath, string vocabPath, int rowCount, int pairs)
    {
        var student = TransformerStudentOptions.TinyBert4();
        var encoder = TextEncoder.Create(new TextEncoderOptions { VocabPath = vocabPath, MaxLength = 64 });
        var rows = DataSource.Read(new DataSourceOptions { Path = trainPath, TextColumns = [DataColumn.Named("sentence")], LabelColumn = DataColumn.Named("label") })
            .Take(rowCount).ToList();
        var train = rows.Select(r => new StudentExample(r.Id, 0, encoder.Encode(r), null, int.Parse(r.Label!, System.Globalization.CultureInfo.InvariantCulture))).ToList();
        var batches = Batches(train, BatchSize, Seed, stage: 0, epoch: 0);
        var paddedTokens = batches.Sum(b => (long)b.Length * b.Max(e => e.Length));
        var flops = TrainingFlops(student, paddedTokens);
        Console.WriteLine($"train-step: TinyBERT-4 student, batch {BatchSize}, {train.Count} SST-2 rows (mean {train.Average(e => e.Length):F1} tokens, " +
                          $"{paddedTokens:N0} padded tokens per epoch), {get_num_threads()} threads; 1 warm-up pair + {pairs} timed pairs of one epoch each");

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

        // (A) the bare loop and (B) the engine, each with its own student, both kept across pairs.
        using var bare = new BareLoop(student, batches);
        manual_seed(2);
        using var model = student.CreateModel();
        var engine = new EngineEpoch(model, train, TeacherTargets.FromCache(cache), Path.Combine(work, "run"));

        var peaks = new List<double>();
        var checkpointSeconds = new List<double>();
        var resident = new List<long>();
        var measured = AlternatingPairs.Measure(bare.Epoch, engine.Run, pairs, warmupPairs: 1,
            betweenPairs: _ => peaks.Add(GemmPeak.Sample(PeakSizes)),
            report: (p, bareSeconds, engineSeconds) =>
            {
                checkpointSeconds.Add(engine.LastAfterSteps);
                resident.Add(engine.LastResident);
                Console.WriteLine($"  pair {p + 1}: (A) bare {bareSeconds,6:F2} s  (B) engine {engineSeconds,6:F2} s ({engine.LastAfterSteps:F2} s of it after the last step)  " +
                                  $"ratio {bareSeconds / engineSeconds:F3}  gemm {peaks[p],5:F1} GFLOP/s  engine resident {engine.LastResident / 1048576.0:N0} MiB");
            });

        var peak = Stats.Median(peaks);
        var mfu = measured.MedianOf((p, _, b) => flops / b / 1e9 / peaks[p]);
        var bareMfu = measured.MedianOf((p, a, _) => flops / a / 1e9 / peaks[p]);
        var growth = (double)resident[^1] / resident[0];
        Console.WriteLine($"  (A) bare TorchSharp loop, cross-entropy:  {train.Count / measured.MedianA,7:F1} rows/s ({measured.MedianA:F2} s/epoch, median), MFU {bareMfu:F2}");
        Console.WriteLine($"  (B) Distill engine, KD + attention KL:    {train.Count / measured.MedianB,7:F1} rows/s ({measured.MedianB:F2} s/epoch, median, " +
                          $"{Stats.Median(checkpointSeconds):F2} s of it after the last step), MFU {mfu:F2}");
        Console.WriteLine($"  per-pair ratios (bare / engine): {string.Join(", ", measured.Ratios.Select(r => r.ToString("F3", System.Globalization.CultureInfo.InvariantCulture)))}; " +
                          $"gemm peak {peak:F1} GFLOP/s (median of {peaks.Count} samples, {Spread.Of(peaks)})");
        Console.WriteLine($"  engine resident memory after timed pairs 1..{resident.Count}: {string.Join(", ", resident.Select(r => $"{r / 1048576.0:N0}"))} MiB " +
                          $"(last / first = {growth:F3}); {batches.Count} steps per epoch");
        Console.WriteLine(BenchmarkResult.Line("train-step",
            ("engine_vs_bare", measured.Median), ("spread", measured.Spread), ("pairs", pairs), ("mfu", mfu), ("bare_mfu", bareMfu),
            ("memory_last_vs_first", growth), ("gemm_peak_gflops", peak), ("gemm_spread", Spread.Of(peaks))));
        return 0;
    }

    /// <summary>
    /// The engine's unit: a new <see cref="DistillationTrainer"/> with one stage of one epoch (KD + attention KL, no
    /// evaluation, no resume) on the same student, timed around <see cref="DistillationTrainer.Train"/>.
    /// </summary>
    private sealed class EngineEpoch(StudentModel model, IReadOnlyList<StudentExample> train, TeacherTargets teacher, string output)
    {
        private readonly TrainingStage _stage = new()
        {
            Loss = new WeightedLossSum().Add(new KdLoss(new KdLossOptions { Temperature = 2 }), 0.5)
                .Add(new AttentionKlLoss(new AttentionKlLossOptions { LayerMap = LayerMap.Uniform }), 0.5),
            Epochs = 1,
            LearningRate = 5e-5,
            Evaluate = false,
        };

        private readonly TrainingOptions _options = new()
        {
            OutputDirectory = output, BatchSize = BatchSize, Seed = Seed, LogEverySteps = int.MaxValue, CheckpointEverySteps = int.MaxValue,
            Resume = false, Device = Distill.Platform.DeviceSetting.Cpu,
        };

        /// <summary>Seconds between the last optimizer step's report and the end of the last run (the checkpoints).</summary>
        public double LastAfterSteps { get; private set; }

        /// <summary>The process's resident memory after the last run.</summary>
        public long LastResident { get; private set; }

        public double Run()
        {
            var trainer = new DistillationTrainer(model, _options, [_stage]);
            var lastStep = 0.0;
            var watch = Stopwatch.StartNew();
            trainer.Train(new TrainingData { Train = train, Labels = ["0", "1"], Teacher = teacher },
                new SynchronousProgress(_ => lastStep = watch.Elapsed.TotalSeconds));
            var seconds = watch.Elapsed.TotalSeconds;
            LastAfterSteps = seconds - lastStep;
            LastResident = Process.GetCurrentProcess().WorkingSet64;
            return seconds;
        }
    }

    /// <summary>The bare loop's unit: one epoch over the given batches with its own model and a new optimizer.</summary>
    private sealed class BareLoop : IDisposable
    {
        private readonly TransformerStudent _model;
        private readonly IReadOnlyList<StudentExample[]> _batches;
        private AdamWOptimizer? _optimizer;

        public BareLoop(TransformerStudentOptions shape, IReadOnlyList<StudentExample[]> batches)
        {
            manual_seed(2);
            _batches = batches;
            _model = new TransformerStudent(shape);
            _model.train();
        }

        public double Epoch()
        {
            var watch = Stopwatch.StartNew();
            // Distill's AdamW, which the engine runs too (TorchSharp's own makes temporary Scalars, see HeldScalarOps),
            // new for each epoch as the engine's is for each one-epoch stage.
            _optimizer?.Dispose();
            _optimizer = new AdamWOptimizer([new AdamWParameterGroup(_model.parameters(), 5e-5, 0.01)]);
            foreach (var batch in _batches)
            {
                using var scope = NewDisposeScope();
                var length = batch.Max(e => e.Length);
                var ids = new long[batch.Length * length];
                var mask = new long[batch.Length * length];
                for (var i = 0; i < batch.Length; i++)
                {
                    batch[i].Text!.InputIds.CopyTo(ids, i * length);
                    Array.Fill(mask, 1L, i * length, batch[i].Length);
                }

                var logits = _model.call(StudentInput.Text(tensor(ids, [batch.Length, length]), tensor(mask, [batch.Length, length]))).Logits;
                var loss = nn.functional.cross_entropy(logits, tensor(batch.Select(e => (long)e.Label).ToArray()));
                loss.backward();
                nn.utils.clip_grad_norm_(_model.parameters(), 1.0);
                _optimizer.Step();
                _optimizer.ZeroGrad();
            }

            return watch.Elapsed.TotalSeconds;
        }

        public void Dispose()
        {
            _optimizer?.Dispose();
            _model.Dispose();
        }
    }

    /// <summary>
    /// The engine's bucketing (Distill.Training.Internal.EpochBatches), written out with the same random draws: shuffle,
    /// sort windows of 50 batches by length, shuffle the batches. With the engine's seed, stage and epoch it gives the
    /// engine's batches.
    /// </summary>
    private static IReadOnlyList<StudentExample[]> Batches(IReadOnlyList<StudentExample> train, int batchSize, int seed, int stage, int epoch)
    {
        const int bucketBatches = 50;
        var random = new Random(unchecked((seed * 1_000_003) + (stage * 10_007) + epoch) & int.MaxValue);
        var order = Enumerable.Range(0, train.Count).ToArray();
        random.Shuffle(order);
        var batches = order.Chunk(batchSize * bucketBatches).SelectMany(w => w.OrderBy(i => train[i].Length).Chunk(batchSize)).ToArray();
        random.Shuffle(batches);
        return batches.Select(b => b.Select(i => train[i]).ToArray()).ToList();
    }

    /// <summary>3 × the forward's matrix-product FLOPs over the padded tokens of an epoch.</summary>
    private static double TrainingFlops(TransformerStudentOptions o, long paddedTokens) =>
        3.0 * 2 * paddedTokens * o.Layers * (4.0 * o.Hidden * o.Hidden + 2.0 * o.Hidden * o.Intermediate);

    private sealed class SynchronousProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
