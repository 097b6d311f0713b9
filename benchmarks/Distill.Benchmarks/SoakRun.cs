using System.Diagnostics;
using Distill.Losses;
using Distill.Students;
using Distill.Text;
using Distill.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Distill.Benchmarks;

/// <summary>
/// Trains every student kind through every loss term, over and over, for a set time under heavy garbage-collection
/// pressure, and exits 0 only if nothing crashed. It exists to catch the native crash that a temporary TorchSharp
/// <c>Scalar</c> freed by the finalizer thread causes ("INTERNAL ASSERT FAILED at Scalar.h", "Unknown scalar type"):
/// that race needs a collection to land inside a native call, so this makes collections happen all the time.
/// </summary>
/// <remarks>
/// Run it with a tiny gen-0 budget, so that allocation alone collects constantly:
/// <c>DOTNET_GCgen0size=0x80000 dotnet run -c Release --project benchmarks/Distill.Benchmarks -- soak --minutes 20</c>.
/// A second thread also calls <c>GC.Collect()</c> in a loop. Each round runs, for each scenario, a number of training
/// steps built the way the engine builds them (student forward with intermediates, teacher targets from a larger
/// teacher of the same family, the weighted loss sum, backward, gradient clipping, AdamW), and then one short
/// <see cref="DistillationTrainer"/> run on one student kind in turn (batches, evaluation, checkpoints with optimizer
/// state). Scenarios: the transformer with CE, KD, DKD, TinyBERT attention MSE on scores and on probabilities, MiniLM
/// attention KL and value relation, hidden MSE with projection, hidden cosine and block-wise logit KD; the BiLSTM,
/// the text CNN and the MLP with CE, KD and DKD; the image CNN with CE, KD, DKD and Zagoruyko's attention transfer.
/// </remarks>
internal static class SoakRun
{
    private const int Classes = 3;
    private const int Vocabulary = 500;
    private const int StepsPerScenario = 10;

    public static int Run(string[] args)
    {
        var options = new BenchmarkOptions("soak", args, "minutes", "collector");
        var minutes = double.Parse(options.Text("minutes", "20"), System.Globalization.CultureInfo.InvariantCulture);
        var collector = options.Text("collector", "on") != "off";
        var gen0 = Environment.GetEnvironmentVariable("DOTNET_GCgen0size");
        Console.WriteLine($"soak: {minutes:0.#} min; DOTNET_GCgen0size={gen0 ?? "(not set: run with DOTNET_GCgen0size=0x80000 for the intended pressure)"}; " +
                          $"GC.Collect() loop {(collector ? "on" : "off")}; {get_num_threads()} torch threads");

        using var stop = new CancellationTokenSource();
        var collections = 0L;
        var collectorThread = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                GC.Collect();
                Interlocked.Increment(ref collections);
                Thread.Sleep(1);
            }
        }) { IsBackground = true, Name = "soak GC.Collect loop" };
        if (collector)
        {
            collectorThread.Start();
        }

        var work = Directory.CreateTempSubdirectory("distill-soak-").FullName;
        var clock = Stopwatch.StartNew();
        var scenarios = Scenarios();
        var steps = scenarios.ToDictionary(s => s.Name, _ => 0L);
        var engineRuns = 0;
        var engineSteps = 0L;
        var round = 0;
        try
        {
            while (clock.Elapsed.TotalMinutes < minutes)
            {
                foreach (var scenario in scenarios)
                {
                    scenario.Run(StepsPerScenario, round);
                    steps[scenario.Name] += StepsPerScenario;
                }

                engineSteps += EngineRun(work, round);
                engineRuns++;
                round++;
                if (round % 10 == 0)
                {
                    Console.WriteLine($"  {clock.Elapsed:hh\\:mm\\:ss} round {round}: {steps.Values.Sum() + engineSteps:N0} steps, " +
                                      $"{engineRuns} engine runs, {Interlocked.Read(ref collections):N0} forced collections, {GC.CollectionCount(0):N0} gen-0 collections");
                }
            }
        }
        finally
        {
            stop.Cancel();
            Directory.Delete(work, recursive: true);
            foreach (var scenario in scenarios)
            {
                scenario.Dispose();
            }
        }

        foreach (var (name, count) in steps)
        {
            Console.WriteLine($"  {name,-12} {count,8:N0} steps");
        }

        Console.WriteLine($"  {"engine",-12} {engineSteps,8:N0} steps in {engineRuns} DistillationTrainer runs");
        Console.WriteLine(BenchmarkResult.Line("soak",
            ("minutes", clock.Elapsed.TotalMinutes), ("rounds", round), ("steps", steps.Values.Sum() + engineSteps),
            ("forced_collections", Interlocked.Read(ref collections)), ("gen0_collections", GC.CollectionCount(0)), ("crashed", "no")));
        return 0;
    }

    private static List<Scenario> Scenarios()
    {
        manual_seed(7);
        var transformer = new TransformerStudentOptions { NumLabels = Classes, VocabSize = Vocabulary, Layers = 2, Hidden = 64, Heads = 4, Intermediate = 128 };
        var transformerTeacher = transformer with { Layers = 4, Heads = 8 };
        var textTeacher = (TransformerStudent)transformerTeacher.CreateModel();
        return
        [
            new Scenario("transformer", transformer.CreateModel(), textTeacher, Text: true, new WeightedLossSum()
                .Add(new LabelCrossEntropyLoss(), 0.2)
                .Add(new KdLoss(new KdLossOptions { Temperature = 2 }), 0.2)
                .Add(new DkdLoss(new DkdLossOptions { WarmupEpochs = 1 }), 0.1)
                .Add(new AttentionMseLoss(new AttentionMseLossOptions { Kind = AttentionKind.Scores }), 0.1)
                .Add(new AttentionMseLoss(new AttentionMseLossOptions { Kind = AttentionKind.Probabilities }), 0.1)
                .Add(new AttentionKlLoss(new AttentionKlLossOptions { LayerMap = LayerMap.Uniform }), 0.1)
                .Add(new ValueRelationLoss(), 0.1)
                .Add(new HiddenMseLoss(transformer.Hidden, transformerTeacher.Hidden), 0.1)
                .Add(new HiddenCosineLoss(), 0.1)
                .Add(new BlockwiseLogitLoss(), 0.1),
                Blockwise: new BlockwiseDistillation(textTeacher, transformer)),
            new Scenario("bilstm", new BiLstmStudentOptions { NumLabels = Classes, VocabSize = Vocabulary, EmbeddingDim = 32, HiddenSize = 32, MlpHidden = 32 }.CreateModel(),
                textTeacher, Text: true, LogitLosses()),
            new Scenario("text-cnn", new TextCnnStudentOptions { NumLabels = Classes, VocabSize = Vocabulary, EmbeddingDim = 32, FiltersPerWidth = 16 }.CreateModel(),
                textTeacher, Text: true, LogitLosses()),
            new Scenario("mlp", new MlpStudentOptions { NumLabels = Classes, InputSize = 20, HiddenSizes = [32, 32] }.CreateModel(),
                new MlpStudentOptions { NumLabels = Classes, InputSize = 20, HiddenSizes = [64, 64] }.CreateModel(), Text: false, LogitLosses()),
            new Scenario("image-cnn", new ImageCnnStudentOptions { NumLabels = Classes, StageChannels = [8, 16] }.CreateModel(),
                new ImageCnnStudentOptions { NumLabels = Classes, StageChannels = [16, 32] }.CreateModel(), Text: false,
                LogitLosses().Add(new AttentionTransferLoss(), 0.5)),
        ];
    }

    private static WeightedLossSum LogitLosses() => new WeightedLossSum()
        .Add(new LabelCrossEntropyLoss(), 0.5)
        .Add(new KdLoss(new KdLossOptions { Temperature = 2 }), 0.3)
        .Add(new DkdLoss(), 0.2);

    /// <summary>One short engine run (two epochs with dev evaluation and checkpoints) on one student kind in turn.</summary>
    private static long EngineRun(string work, int round)
    {
        var random = new Random(round);
        StudentOptions student = (round % 3) switch
        {
            0 => new TransformerStudentOptions { NumLabels = Classes, VocabSize = Vocabulary, Layers = 1, Hidden = 32, Heads = 2, Intermediate = 64 },
            1 => new BiLstmStudentOptions { NumLabels = Classes, VocabSize = Vocabulary, EmbeddingDim = 16, HiddenSize = 16, MlpHidden = 16 },
            _ => new TextCnnStudentOptions { NumLabels = Classes, VocabSize = Vocabulary, EmbeddingDim = 16, FiltersPerWidth = 8 },
        };
        var rows = Enumerable.Range(0, 96).Select(i =>
        {
            var length = random.Next(3, 24);
            var ids = Enumerable.Range(0, length).Select(_ => (long)random.Next(1, Vocabulary)).ToArray();
            return new StudentExample(i, 0, new EncodedText(ids, new long[length], false), null, random.Next(Classes));
        }).ToList();
        var logits = rows.Select(_ => Enumerable.Range(0, Classes).Select(_ => (float)random.NextDouble() * 4).ToArray()).ToList();
        using var model = student.CreateModel();
        var output = Path.Combine(work, $"engine-{round}");
        var result = new DistillationTrainer(model, new TrainingOptions
        {
            OutputDirectory = output, BatchSize = 16, LogEverySteps = 1000, CheckpointEverySteps = 3, Seed = round, MaxGradNorm = 1,
            Device = Distill.Platform.DeviceSetting.Cpu,
        },
        [
            new TrainingStage
            {
                Epochs = 2, LearningRate = 1e-3,
                Loss = new WeightedLossSum().Add(new KdLoss(new KdLossOptions { Temperature = 2 }), 0.5).Add(new LabelCrossEntropyLoss(), 0.5),
            },
        ]).Train(new TrainingData { Train = rows.GetRange(0, 80), Dev = rows.GetRange(80, 16), Labels = ["a", "b", "c"], Teacher = TeacherTargets.FromLogits(logits.GetRange(0, 80)) });
        Directory.Delete(output, recursive: true);
        return result.Steps;
    }

    /// <summary>A student, a larger teacher of the same family, and the loss sum they train through.</summary>
    private sealed record Scenario(string Name, StudentModel Student, StudentModel Teacher, bool Text, WeightedLossSum Loss,
        BlockwiseDistillation? Blockwise = null) : IDisposable
    {
        private AdamWOptimizer? _optimizer;

        public void Run(int steps, int round)
        {
            if (_optimizer is null)
            {
                var learned = Student.parameters().Concat(Loss.Terms.OfType<nn.Module>().SelectMany(m => m.parameters()))
                    .Concat(Blockwise?.parameters() ?? []).Where(p => p.requires_grad).ToList();
                _optimizer = new AdamWOptimizer([new AdamWParameterGroup(learned, 1e-3, 0.01)]);
                Teacher.eval();
            }

            Student.train();
            Blockwise?.train();
            var random = new Random(round);
            for (var step = 0; step < steps; step++)
            {
                using var scope = NewDisposeScope();
                var batch = random.Next(4, 17);
                var input = Input(batch, random);
                StudentOutput teacher;
                using (no_grad())
                {
                    teacher = Teacher.call(input with { Capture = Intermediates.All });
                }

                var student = Student.call(input with { Capture = Intermediates.All });
                var labels = randint(0, Classes, [batch]);
                var result = Loss.Compute(new LossInputs
                {
                    StudentLogits = student.Logits,
                    TeacherLogits = teacher.Logits,
                    Labels = labels,
                    AttentionMask = input.AttentionMask,
                    StudentAttentionScores = student.AttentionScores,
                    StudentAttentionProbabilities = student.AttentionProbabilities,
                    TeacherAttentionScores = teacher.AttentionScores,
                    TeacherAttentionProbabilities = teacher.AttentionProbabilities,
                    StudentHiddenStates = student.HiddenStates,
                    TeacherHiddenStates = teacher.HiddenStates,
                    StudentValues = student.Values,
                    TeacherValues = teacher.Values,
                    StudentFeatureMaps = student.FeatureMaps,
                    TeacherFeatureMaps = teacher.FeatureMaps,
                    PathLogits = Blockwise?.PathLogits(student.HiddenStates!, input.AttentionMask!),
                    Progress = new LossProgress(step, round, round),
                });
                if (!float.IsFinite(result.Total.item<float>()))
                {
                    throw new InvalidOperationException($"soak: {Name} loss is not finite at round {round}, step {step}");
                }

                result.Total.backward();
                nn.utils.clip_grad_norm_(_optimizer.Groups[0].Parameters, 1.0);
                _optimizer.Step();
                _optimizer.ZeroGrad();
            }
        }

        private StudentInput Input(int batch, Random random)
        {
            if (!Text)
            {
                return StudentInput.Float(Student.Kind == StudentKind.ImageCnn ? randn([batch, 1, 16, 16]) : randn([batch, 20]));
            }

            var length = random.Next(4, 33);
            var ids = randint(1, Vocabulary, [batch, length]);
            // Ragged rows: each row keeps a random number of tokens, the rest is padding.
            var lengths = Enumerable.Range(0, batch).Select(_ => (long)random.Next(1, length + 1)).ToArray();
            var mask = HeldScalarOps.Range(length, ScalarType.Int64).unsqueeze(0).lt(tensor(lengths).unsqueeze(1)).to(ScalarType.Int64);
            return StudentInput.Text(ids * mask, mask);
        }

        public void Dispose()
        {
            _optimizer?.Dispose();
            Student.Dispose();
            Teacher.Dispose();
            Blockwise?.Dispose();
        }
    }
}
