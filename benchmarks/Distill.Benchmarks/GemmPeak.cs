using System.Diagnostics;
using static TorchSharp.torch;

namespace Distill.Benchmarks;

/// <summary>One size of the gemm-peak measurement.</summary>
/// <param name="Size">n of the n×n by n×n product.</param>
/// <param name="BestSeconds">The fastest time of one product over the repeats.</param>
/// <param name="Gflops">2n³ / <paramref name="BestSeconds"/>, in GFLOP/s.</param>
internal readonly record struct GemmMeasurement(int Size, double BestSeconds, double Gflops);

/// <summary>
/// fp32 matrix-multiply throughput through TorchSharp on this machine: the ceiling that training and inference
/// benchmarks report against, measured in the same run. For each size n it times C = A·B (2n³ floating-point
/// operations) over enough products to last a tenth of a second, repeats that, and keeps the best repeat: on a shared,
/// noisy machine the best repeat is the one least disturbed by other work.
/// </summary>
internal static class GemmPeak
{
    public static readonly int[] DefaultSizes = [256, 512, 1024, 2048];

    public static int Run(string[] args)
    {
        var options = new BenchmarkOptions("gemm-peak", args, "sizes", "repeats", "threads");
        var sizes = options.Ints("sizes", DefaultSizes);
        var repeats = options.Int("repeats", 5);
        if (options.Int("threads", 0) is > 0 and var threads)
        {
            set_num_threads(threads);
        }

        Console.WriteLine($"gemm-peak: fp32 C = A·B through TorchSharp, {get_num_threads()} threads, best of {repeats} repeats");
        Console.WriteLine($"{"n",6} {"best ms",10} {"GFLOP/s",9}");
        var results = Measure(sizes, repeats, m => Console.WriteLine($"{m.Size,6} {m.BestSeconds * 1e3,10:F3} {m.Gflops,9:F1}"));
        var peak = results.MaxBy(m => m.Gflops);
        Console.WriteLine(BenchmarkResult.Line("gemm-peak", ("gflops", peak.Gflops), ("n", peak.Size), ("threads", get_num_threads())));
        return 0;
    }

    /// <summary>Measures every size; <paramref name="report"/> sees each result as it is ready.</summary>
    public static IReadOnlyList<GemmMeasurement> Measure(IReadOnlyList<int> sizes, int repeats, Action<GemmMeasurement>? report = null)
    {
        var results = new List<GemmMeasurement>();
        foreach (var n in sizes)
        {
            using var scope = NewDisposeScope();
            manual_seed(n);
            var a = randn(n, n);
            var b = randn(n, n);

            // Warm up (thread pool, caches), then size a batch of products to last about 0.1 s.
            var single = Time(a, b, 3) / 3;
            var perBatch = Math.Max(1, (int)Math.Ceiling(0.1 / Math.Max(single, 1e-9)));
            var best = double.MaxValue;
            for (var r = 0; r < repeats; r++)
            {
                best = Math.Min(best, Time(a, b, perBatch) / perBatch);
            }

            var measurement = new GemmMeasurement(n, best, 2.0 * n * n * n / best / 1e9);
            results.Add(measurement);
            report?.Invoke(measurement);
        }

        return results;
    }

    private static double Time(Tensor a, Tensor b, int products)
    {
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < products; i++)
        {
            using var c = a.matmul(b);
        }

        return watch.Elapsed.TotalSeconds;
    }
}
