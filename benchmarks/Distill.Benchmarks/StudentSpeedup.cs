using System.Diagnostics;
using Distill.Export;
using Distill.Students;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using static TorchSharp.torch;

namespace Distill.Benchmarks;

/// <summary>
/// How much faster a TinyBERT-4-shaped student runs than a BERT-base-shaped teacher, both with random weights, both
/// exported by Distill and run in ONNX Runtime on the CPU in this process: throughput at batch 32 and batch-1 latency,
/// sequence 64. Also the student in TorchSharp (eval mode) against its own ONNX export.
/// </summary>
/// <remarks>
/// Each ratio comes from alternating pairs (<see cref="AlternatingPairs"/>, a discarded warm-up pair, then
/// <c>--pairs</c> pairs): teacher then student for <c>throughput_ratio</c> and <c>latency_ratio</c>, TorchSharp then
/// ONNX Runtime for <c>ort_vs_torchsharp</c>. A side's time is the mean per run over as many runs as last at least
/// <see cref="MinSideSeconds"/> (so the fast student's side is as long as a few runs, not one), and each ratio is the
/// median of the per-pair ratios with their smallest..largest as its spread. The gemm-peak ceiling is sampled before
/// each throughput pair (median kept), so each model's achieved GFLOP/s can be read against it. ONNX Runtime's own
/// matrix kernels (MLAS) can beat libtorch's on the same CPU, so a model may show more than 100% of the TorchSharp gemm
/// ceiling.
/// </remarks>
internal static class StudentSpeedup
{
    private const double MinSideSeconds = 0.5;
    private static readonly int[] PeakSizes = [1024, 2048];

    public static int Run(string[] args)
    {
        var options = new BenchmarkOptions("student-speedup", args, "pairs", "sequence", "batch", "threads", "teacher", "student");
        var pairs = options.Int("pairs", 7);
        var sequence = options.Int("sequence", 64);
        var batch = options.Int("batch", 32);
        if (options.Int("threads", 0) is > 0 and var threads)
        {
            set_num_threads(threads);
        }

        Console.WriteLine($"student-speedup: ONNX Runtime CPU, {Environment.ProcessorCount} cores ({get_num_threads()} TorchSharp threads), sequence {sequence}, " +
                          $"batch {batch} and 1; 1 warm-up + {pairs} alternating pairs per ratio");

        var (teacherName, teacherOptions) = Shape(options.Text("teacher", "bert-base"));
        var (studentName, studentOptions) = Shape(options.Text("student", "tinybert-4"));
        using var teacher = Load($"teacher ({teacherName})", teacherOptions, keepModel: false);
        using var student = Load($"student ({studentName})", studentOptions, keepModel: true);

        var peaks = new List<double>();
        var throughput = AlternatingPairs.Measure(
            () => PerRun(() => RunOrt(teacher.Session, batch, sequence)), () => PerRun(() => RunOrt(student.Session, batch, sequence)), pairs,
            betweenPairs: _ => peaks.Add(GemmPeak.Sample(PeakSizes)),
            report: (p, t, s) => Console.WriteLine($"  throughput pair {p + 1}: teacher {t * 1e3,8:F1} ms  student {s * 1e3,7:F1} ms per batch of {batch}  ratio {t / s:F2}"));
        var latency = AlternatingPairs.Measure(
            () => PerRun(() => RunOrt(teacher.Session, 1, sequence)), () => PerRun(() => RunOrt(student.Session, 1, sequence)), pairs,
            report: (p, t, s) => Console.WriteLine($"  latency pair {p + 1}:    teacher {t * 1e3,8:F2} ms  student {s * 1e3,7:F2} ms at batch 1  ratio {t / s:F2}"));
        var ortVsTorch = AlternatingPairs.Measure(
            () => PerRun(() => RunTorch(student.Model!, batch, sequence)), () => PerRun(() => RunOrt(student.Session, batch, sequence)), pairs,
            report: (p, t, o) => Console.WriteLine($"  student pair {p + 1}:    TorchSharp {t * 1e3,7:F1} ms  ONNX Runtime {o * 1e3,7:F1} ms per batch of {batch}  ratio {t / o:F2}"));

        var peak = Stats.Median(peaks);
        foreach (var (loaded, batchSeconds, latencySeconds) in new[] { (teacher, throughput.MedianA, latency.MedianA), (student, throughput.MedianB, latency.MedianB) })
        {
            var gflops = Flops(loaded.Shape, batch, sequence) / batchSeconds / 1e9;
            Console.WriteLine($"  {loaded.Label,-28} {loaded.Parameters / 1e6,7:F1}M params  {loaded.OnnxBytes / 1e6,7:F1} MB  " +
                              $"batch {batch}: {batch / batchSeconds,8:F1} rows/s, {gflops:F1} GFLOP/s ({100 * gflops / peak:F0}% of the gemm peak)  batch 1: {latencySeconds * 1e3,7:F2} ms (medians)" +
                              (loaded.Model is null ? string.Empty : $"  TorchSharp batch {batch}: {batch / ortVsTorch.MedianA:F1} rows/s"));
        }

        var flopRatio = Flops(teacherOptions, 1, sequence) / Flops(studentOptions, 1, sequence);
        Console.WriteLine($"per-token FLOPs ratio {flopRatio:F1}x; measured (median of pairs): throughput {throughput.Median:F1}x ({throughput.Spread}), " +
                          $"batch-1 latency {latency.Median:F1}x ({latency.Spread}); student in TorchSharp takes {ortVsTorch.Median:F2}x its ONNX Runtime time ({ortVsTorch.Spread}); " +
                          $"gemm peak {peak:F1} GFLOP/s (median of {peaks.Count} samples, {Spread.Of(peaks)})");
        Console.WriteLine(BenchmarkResult.Line("student-speedup",
            ("throughput_ratio", throughput.Median), ("spread", throughput.Spread), ("pairs", pairs),
            ("latency_ratio", latency.Median), ("latency_spread", latency.Spread),
            ("ort_vs_torchsharp", ortVsTorch.Median), ("ort_vs_torchsharp_spread", ortVsTorch.Spread),
            ("flop_ratio", flopRatio), ("gemm_peak_gflops", peak)));
        return 0;
    }

    /// <summary>
    /// A named shape or layers×hidden×heads×intermediate: bert-base (12×768×12×3072), tinybert-4 (4×312×12×1200),
    /// minilm-l6 (6×384×12×1536, all-MiniLM-L6-v2, the main job's teacher) and main-job (the main job's student, as
    /// recipes/bert-to-tiny.yaml sets it). Mean pooling for minilm-l6 and main-job, as the main job uses.
    /// </summary>
    private static (string Name, TransformerStudentOptions Options) Shape(string text)
    {
        var mean = new TransformerStudentOptions { Pooling = TransformerPooling.Mean };
        return text switch
        {
            "bert-base" => ("BERT-base shape", TransformerStudentOptions.BertBase()),
            "tinybert-4" => ("TinyBERT-4 shape", TransformerStudentOptions.TinyBert4()),
            "minilm-l6" => ("all-MiniLM-L6-v2 shape", mean with { Layers = 6, Hidden = 384, Heads = 12, Intermediate = 1536 }),
            "main-job" => ("the main job's student", mean with { Layers = MainJobStudent.Layers, Hidden = MainJobStudent.Hidden, Heads = MainJobStudent.Heads, Intermediate = MainJobStudent.Intermediate }),
            _ when text.Split('x') is [var l, var h, var a, var i] && int.TryParse(l, out var layers) && int.TryParse(h, out var hidden) && int.TryParse(a, out var heads) && int.TryParse(i, out var inner)
                => ($"{layers}x{hidden}x{heads}x{inner}", mean with { Layers = layers, Hidden = hidden, Heads = heads, Intermediate = inner }),
            _ => throw new ArgumentException($"--teacher/--student: '{text}' is not bert-base, tinybert-4, minilm-l6, main-job or layers x hidden x heads x intermediate (e.g. 4x192x6x768)"),
        };
    }

    /// <summary>The main job's student shape (recipes/bert-to-tiny.yaml's student); keep the two in step.</summary>
    private static class MainJobStudent
    {
        public const int Layers = 2;
        public const int Hidden = 384;
        public const int Heads = 12;
        public const int Intermediate = 256;
    }

    /// <summary>A model exported to ONNX and opened in ONNX Runtime; the TorchSharp model is kept when asked.</summary>
    private sealed record LoadedModel(string Label, TransformerStudentOptions Shape, InferenceSession Session, long Parameters, int OnnxBytes, TransformerStudent? Model) : IDisposable
    {
        public void Dispose()
        {
            Session.Dispose();
            Model?.Dispose();
        }
    }

    private static LoadedModel Load(string label, TransformerStudentOptions shape, bool keepModel)
    {
        manual_seed(1);
        var model = new TransformerStudent(shape);
        model.eval();
        var onnx = OnnxExporter.ToModel(model).ToByteArray();
        using var sessionOptions = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        var session = new InferenceSession(onnx, sessionOptions);
        var parameters = model.ParameterCount;
        if (!keepModel)
        {
            model.Dispose();
        }

        return new LoadedModel(label, shape, session, parameters, onnx.Length, keepModel ? model : null);
    }

    /// <summary>Calls <paramref name="run"/> (which returns its own timed seconds) until the runs add up to <see cref="MinSideSeconds"/>; returns seconds per run.</summary>
    private static double PerRun(Func<double> run)
    {
        double total = 0;
        var count = 0;
        do
        {
            total += run();
            count++;
        }
        while (total < MinSideSeconds);

        return total / count;
    }

    /// <summary>Multiply-adds ×2 of the encoder's matrix products for one batch (embeddings and heads are negligible).</summary>
    private static double Flops(TransformerStudentOptions o, int batch, int sequence)
    {
        double tokens = (double)batch * sequence;
        var perLayer = 2 * tokens * (4.0 * o.Hidden * o.Hidden + 2.0 * o.Hidden * o.Intermediate) + 2 * 2 * tokens * sequence * o.Hidden;
        return perLayer * o.Layers;
    }

    private static double RunOrt(InferenceSession session, int batch, int sequence)
    {
        var ids = RandomIds(batch, sequence);
        var mask = Enumerable.Repeat(1L, batch * sequence).ToArray();
        var types = new long[batch * sequence];
        long[] shape = [batch, sequence];
        using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, shape);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
        using var typesValue = OrtValue.CreateTensorValueFromMemory(types, shape);
        using var runOptions = new RunOptions();
        var watch = Stopwatch.StartNew();
        using var outputs = session.Run(runOptions, [OnnxNames.InputIds, OnnxNames.AttentionMask, OnnxNames.TokenTypeIds],
            [idsValue, maskValue, typesValue], [OnnxNames.Logits]);
        return watch.Elapsed.TotalSeconds;
    }

    private static double RunTorch(TransformerStudent model, int batch, int sequence)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = tensor(RandomIds(batch, sequence), [batch, sequence]);
        var mask = ones_like(ids);
        var watch = Stopwatch.StartNew();
        var logits = model.call(StudentInput.Text(ids, mask)).Logits;
        logits.data<float>(); // make sure the work is done before the clock stops
        return watch.Elapsed.TotalSeconds;
    }

    private static long[] RandomIds(int batch, int sequence)
    {
        var rng = new Random(batch * 1000 + sequence);
        return Enumerable.Range(0, batch * sequence).Select(_ => (long)rng.Next(1000, 30000)).ToArray();
    }
}
