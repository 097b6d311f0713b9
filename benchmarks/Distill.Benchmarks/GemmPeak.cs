using System.Diagnostics;
using static TorchSharp.torch;

namespace Distill.Benchmarks;

/// <summary>One size of the gemm-peak measurement.</summary>
/// <param name="Size">n of the n×n by n×n product.</param>
/// <param name="MedianSeconds">The median time of one product over the repeats.</param>
/// <param name="Gflops">2n³ / <paramref name="MedianSeconds"/>, in GFLOP/s.</param>
/// <param name="GflopsSpread">The slowest and fastest repeat, in GFLOP/s.</param>
internal readonly record struct GemmMeasurement(int Size, double MedianSeconds, double Gflops, Spread GflopsSpread);

/// <summary>
/// fp32 matrix-multiply throughput through TorchSharp on this machine: the ceiling that training and inference
/// benchmarks report against, measured in the same run. For each size n it times C = A·B (2n³ floating-point
/// operations) over a batch of products sized to last about a tenth of a second. The sizes alternate (n₁ n₂ ... n₁ n₂
/// ...) for the given number of repeats, so load from elsewhere on a shared machine falls on every size alike, and each
/// size reports the median repeat with the spread (slowest..fastest) of its repeats. The peak is the size with the
/// highest median.
/// </summary>
internal static class GemmPeak
{
    public static readonly int[] DefaultSizes = [256, 512, 1024, 2048];

    public static int Run(string[] args)
    {
        var options = new BenchmarkOptions("gemm-peak", args, "sizes", "repeats", "threads");
        var sizes = options.Ints("sizes", DefaultSizes);
        var repeats = options.Int("repeats", 9);
        if (options.Int("threads", 0) is > 0 and var threads)
        {
            set_num_threads(threads);
        }

        Console.WriteLine($"gemm-peak: fp32 C = A·B through TorchSharp, {get_num_threads()} threads, median of {repeats} alternated repeats per size");
        var results = Measure(sizes, repeats);
        Console.WriteLine($"{"n",6} {"median ms",10} {"GFLOP/s",9}  spread (GFLOP/s)");
        foreach (var m in results)
        {
            Console.WriteLine($"{m.Size,6} {m.MedianSeconds * 1e3,10:F3} {m.Gflops,9:F1}  {m.GflopsSpread}");
        }

        var peak = results.MaxBy(m => m.Gflops);
        Console.WriteLine(BenchmarkResult.Line("gemm-peak", ("gflops", peak.Gflops), ("spread", peak.GflopsSpread), ("n", peak.Size),
            ("threads", get_num_threads()), ("repeats", repeats)));
        return 0;
    }

    /// <summary>Measures every size, the sizes alternating for <paramref name="repeats"/> rounds.</summary>
    public static IReadOnlyList<GemmMeasurement> Measure(IReadOnlyList<int> sizes, int repeats)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(repeats, 1);
        using var scope = NewDisposeScope();
        var operands = new List<(int N, Tensor A, Tensor B, int PerBatch)>();
        foreach (var n in sizes)
        {
            manual_seed(n);
            var a = randn(n, n);
            var b = randn(n, n);

            // Warm up (thread pool, caches), then size a batch of products to last about 0.1 s.
            var single = Time(a, b, 2) / 2;
            operands.Add((n, a, b, Math.Max(1, (int)Math.Ceiling(0.1 / Math.Max(single, 1e-9)))));
        }

        var seconds = operands.Select(_ => new List<double>()).ToArray();
        for (var r = 0; r < repeats; r++)
        {
            for (var s = 0; s < operands.Count; s++)
            {
                var (_, a, b, perBatch) = operands[s];
                seconds[s].Add(Time(a, b, perBatch) / perBatch);
            }
        }

        return operands.Select((o, s) =>
        {
            var flops = 2.0 * o.N * o.N * o.N;
            var median = Stats.Median(seconds[s]);
            return new GemmMeasurement(o.N, median, flops / median / 1e9, new Spread(flops / seconds[s].Max() / 1e9, flops / seconds[s].Min() / 1e9));
        }).ToList();
    }

    /// <summary>One short sample of the ceiling (about half a second): the best size's GFLOP/s from one round.</summary>
    /// <remarks>Benchmarks that alternate two sides take one sample per pair, next to the pair's own times.</remarks>
    public static double Sample(IReadOnlyList<int> sizes) => Measure(sizes, 1).Max(m => m.Gflops);

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
