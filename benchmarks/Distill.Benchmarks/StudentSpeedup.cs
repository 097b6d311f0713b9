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
/// sequence 64. Also the student in TorchSharp (eval mode) against its own ONNX export. Each time is the median of
/// repeated runs after a warm-up; the ratios come from times measured in this one run. The gemm-peak ceiling is
/// measured first, so each model's achieved GFLOP/s can be read against it. ONNX Runtime's own matrix kernels (MLAS)
/// can beat libtorch's on the same CPU, so a model may show more than 100% of the TorchSharp gemm ceiling.
/// </summary>
internal static class StudentSpeedup
{
    public static int Run(string[] args)
    {
        var options = new BenchmarkOptions("student-speedup", args, "repeats", "sequence", "batch");
        var repeats = options.Int("repeats", 5);
        var sequence = options.Int("sequence", 64);
        var batch = options.Int("batch", 32);

        // The ceiling is measured before and after the models, and the higher kept: a burst of load from elsewhere on a
        // shared machine only ever lowers a measurement.
        var peak = GemmPeak.Measure([1024, 2048], 3).Max(m => m.Gflops);
        Console.WriteLine($"student-speedup: ONNX Runtime CPU, {Environment.ProcessorCount} cores, sequence {sequence}, batch {batch} and 1");

        var teacherOptions = TransformerStudentOptions.BertBase();
        var studentOptions = TransformerStudentOptions.TinyBert4();
        var teacher = Measure("teacher (BERT-base shape)", teacherOptions, batch, sequence, repeats, torchToo: false);
        var student = Measure("student (TinyBERT-4 shape)", studentOptions, batch, sequence, repeats, torchToo: true);

        peak = Math.Max(peak, GemmPeak.Measure([1024, 2048], 3).Max(m => m.Gflops));
        var throughputRatio = teacher.BatchSeconds / student.BatchSeconds;
        var latencyRatio = teacher.LatencySeconds / student.LatencySeconds;
        var ortVsTorch = student.TorchBatchSeconds / student.BatchSeconds;
        foreach (var timing in new[] { teacher, student })
        {
            var gflops = Flops(timing.Shape, batch, sequence) / timing.BatchSeconds / 1e9;
            Console.WriteLine($"  {timing.Label,-28} batch {batch}: {gflops:F1} GFLOP/s, {100 * gflops / peak:F0}% of the {peak:F1} GFLOP/s gemm peak");
        }

        var flopRatio = Flops(teacherOptions, 1, sequence) / Flops(studentOptions, 1, sequence);
        Console.WriteLine($"per-token FLOPs ratio {flopRatio:F1}x; measured: throughput {throughputRatio:F1}x, batch-1 latency {latencyRatio:F1}x; " +
                          $"student in TorchSharp takes {ortVsTorch:F2}x its ONNX Runtime time");
        Console.WriteLine(BenchmarkResult.Line("student-speedup",
            ("throughput_ratio", throughputRatio), ("latency_ratio", latencyRatio), ("ort_vs_torchsharp", ortVsTorch),
            ("flop_ratio", flopRatio), ("gemm_peak_gflops", peak)));
        return 0;
    }

    private sealed record Timing(string Label, TransformerStudentOptions Shape, double BatchSeconds, double LatencySeconds, double TorchBatchSeconds);

    private static Timing Measure(string label, TransformerStudentOptions shape, int batch, int sequence, int repeats, bool torchToo)
    {
        manual_seed(1);
        using var model = new TransformerStudent(shape);
        model.eval();
        var onnx = OnnxExporter.ToModel(model).ToByteArray();
        using var sessionOptions = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        using var session = new InferenceSession(onnx, sessionOptions);

        var batchSeconds = Median(repeats, () => RunOrt(session, batch, sequence));
        var latencySeconds = Median(repeats * 4, () => RunOrt(session, 1, sequence));
        var torchSeconds = torchToo ? Median(repeats, () => RunTorch(model, batch, sequence)) : double.NaN;

        Console.WriteLine($"  {label,-28} {model.ParameterCount / 1e6,7:F1}M params  {onnx.Length / 1e6,7:F1} MB  " +
                          $"batch {batch}: {batch / batchSeconds,8:F1} rows/s  batch 1: {latencySeconds * 1e3,7:F2} ms" +
                          (torchToo ? $"  TorchSharp batch {batch}: {batch / torchSeconds:F1} rows/s" : string.Empty));
        return new Timing(label, shape, batchSeconds, latencySeconds, torchSeconds);
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

    /// <summary>Runs once to warm up, then <paramref name="repeats"/> times, and returns the median time.</summary>
    private static double Median(int repeats, Func<double> run)
    {
        run();
        var times = Enumerable.Range(0, repeats).Select(_ => run()).Order().ToArray();
        return times[times.Length / 2];
    }
}
