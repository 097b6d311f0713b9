using Distill;
using Distill.Benchmarks;
using Distill.Platform;

// Each benchmark prints what it measured and ends with one line: RESULT <name> key=value ...
// Usage: dotnet run -c Release --project benchmarks/Distill.Benchmarks -- <benchmark> [options]
var benchmarks = new Dictionary<string, (string Help, Func<string[], int> Run)>(StringComparer.Ordinal)
{
    ["gemm-peak"] = ("fp32 matrix-multiply throughput through TorchSharp: the ceiling other benchmarks report against", GemmPeak.Run),
    ["teacher-cache"] = ("SST-2 through a BERT-like teacher: bare ONNX Runtime (padded, bucketed) vs Distill's whole cache build", TeacherCacheBenchmark.Run),
    ["train-step"] = ("TinyBERT-4 training steps: Distill's engine with KD and attention terms vs a bare TorchSharp loop, MFU, memory", TrainStepBenchmark.Run),
    ["soak"] = ("every student kind through every loss term for --minutes (default 20) under GC pressure; run with DOTNET_GCgen0size=0x80000", SoakRun.Run),
    ["student-speedup"] = ("BERT-base-shaped teacher vs TinyBERT-4-shaped student in ONNX Runtime, and the student in TorchSharp vs ONNX Runtime", StudentSpeedup.Run),
};

if (args.Length == 0 || args[0] is "-h" or "--help" || !benchmarks.TryGetValue(args[0], out var chosen))
{
    if (args.Length > 0 && args[0] is not ("-h" or "--help"))
    {
        Console.Error.WriteLine($"Unknown benchmark '{args[0]}'. Known: {string.Join(", ", benchmarks.Keys)}");
    }

    Console.WriteLine("Usage: dotnet run -c Release --project benchmarks/Distill.Benchmarks -- <benchmark> [options]");
    foreach (var (name, (help, _)) in benchmarks)
    {
        Console.WriteLine($"  {name,-14} {help}");
    }

    return args.Length == 0 || args[0] is "-h" or "--help" ? 0 : 2;
}

try
{
    TorchRuntime.EnsureLoaded();
    return chosen.Run(args[1..]);
}
catch (Exception e) when (e is DistillException or ArgumentException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
