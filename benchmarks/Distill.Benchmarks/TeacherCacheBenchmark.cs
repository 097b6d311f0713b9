using System.Diagnostics;
using Distill.Cache;
using Distill.Data;
using Distill.Export;
using Distill.Students;
using Distill.Teacher;
using Distill.Text;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using static TorchSharp.torch;

namespace Distill.Benchmarks;

/// <summary>
/// What Distill's cache build costs on top of the teacher's own inference. A BERT-like teacher (6 layers, hidden 384,
/// 12 heads, random weights) exported by Distill runs over the first <c>--rows</c> SST-2 train rows in ONNX Runtime on
/// the CPU, giving logits and the attention maps of 3 layers, three ways in one process:
/// (a) a bare ONNX Runtime loop over pre-tokenized batches padded to 64 tokens, in file order;
/// (b) the same loop with length-bucketed batches (rows sorted by length, each batch padded to its longest row);
/// (c) Distill's complete cache build: read the file, tokenize, run the teacher (bucketed within shards), cut each
///     row to its true length, convert to float16 and write checksummed shards, into a new folder each time.
/// The bare loops read their outputs in place and keep nothing; (c) keeps everything, on disk.
/// </summary>
/// <remarks>
/// Each ratio comes from alternating pairs (<see cref="AlternatingPairs"/>): <c>full_vs_bare</c> = (b) / (c) over
/// <c>--pairs</c> pairs after a discarded warm-up pair, <c>bucketing_speedup</c> = (a) / (b) over
/// <c>--bucketing-pairs</c> pairs (the session is warm by then). Each is the median of its per-pair ratios, with their
/// smallest..largest as <c>spread</c> and <c>bucketing_spread</c>.
/// </remarks>
internal static class TeacherCacheBenchmark
{
    public static int Run(string[] args)
    {
        var options = new BenchmarkOptions("teacher-cache", args, "rows", "batch", "data", "pairs", "bucketing-pairs");
        var limit = options.Int("rows", 8192);
        var batchSize = options.Int("batch", 64);
        var pairs = options.Int("pairs", 5);
        var bucketingPairs = options.Int("bucketing-pairs", 3);
        var dataDir = options.Text("data", Environment.GetEnvironmentVariable("DISTILL_DATA_DIR") ?? Path.Combine("..", "shared", "data"));
        var trainPath = Path.Combine(dataDir, "sst2", "train.tsv");
        var vocabPath = Path.Combine(dataDir, "vocab", "bert-base-uncased.txt");
        if (!File.Exists(trainPath) || !File.Exists(vocabPath))
        {
            throw new ArgumentException($"teacher-cache: SST-2 and the BERT vocabulary are not under {Path.GetFullPath(dataDir)}; pass --data <folder with sst2/ and vocab/> or set DISTILL_DATA_DIR");
        }

        var work = Directory.CreateTempSubdirectory("distill-teacher-cache-").FullName;
        try
        {
            return Measure(work, trainPath, vocabPath, limit, batchSize, pairs, bucketingPairs);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static int Measure(string work, string trainPath, string vocabPath, int limit, int batchSize, int pairs, int bucketingPairs)
    {
        const int paddedLength = 64;
        int[] layers = [1, 3, 5];
        var shape = new TransformerStudentOptions { Layers = 6, Hidden = 384, Heads = 12, Intermediate = 1536, MaxPositions = 512 };
        var teacherPath = Path.Combine(work, "teacher.onnx");
        manual_seed(1);
        using (var model = new TransformerStudent(shape))
        {
            model.eval();
            OnnxExporter.Export(model, teacherPath);
        }

        using var teacher = OnnxTeacher.Load(teacherPath, new OnnxTeacherOptions { Device = Distill.Platform.DeviceSetting.Cpu, AttentionLayers = layers });
        var outputs = new[] { teacher.LogitsOutput }.Concat(layers.Select(l => teacher.TapOutput(TeacherTapKind.AttentionProbabilities, l))).ToArray();
        var source = new DataSourceOptions { Path = trainPath, TextColumns = [DataColumn.Named("sentence")] };
        var encoderOptions = new TextEncoderOptions { VocabPath = vocabPath, MaxLength = paddedLength };

        // Pre-tokenized input for the bare loops (not timed).
        var encoder = TextEncoder.Create(encoderOptions);
        var encoded = DataSource.Read(source).Take(limit).Select(encoder.Encode).ToList();
        var inFileOrder = encoded.Chunk(batchSize).ToList();
        var bucketedBatches = encoded.OrderBy(e => e.Length).Chunk(batchSize).ToList();
        Console.WriteLine($"teacher-cache: {encoded.Count:N0} SST-2 train rows, teacher 6x384 (12 heads), logits + attention of layers {string.Join(", ", layers)}, " +
                          $"batch {batchSize}, {Environment.ProcessorCount} cores; mean length {encoded.Average(e => e.Length):F1} tokens; " +
                          $"1 warm-up + {pairs} pairs of (b) (c), then {bucketingPairs} pairs of (a) (b)");

        var tapped = TeacherGraph.WithOutputs(TeacherGraph.Load(teacherPath), teacher.Taps).ToByteArray();
        using var sessionOptions = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        using var session = new InferenceSession(tapped, sessionOptions);

        double Padded() => BareLoop(session, outputs, inFileOrder, paddedLength);
        double Bucketed() => BareLoop(session, outputs, bucketedBatches, null);

        var timed = new TimedTeacher(teacher);
        var builds = 0;
        var insideTeacher = new List<double>();
        TeacherCacheBuildResult result = null!;
        double Full()
        {
            // A new folder each time (an existing complete cache would be a hit); the last one is deleted first, untimed.
            var folder = Path.Combine(work, $"cache-{builds++}");
            if (builds > 1)
            {
                Directory.Delete(Path.Combine(work, $"cache-{builds - 2}"), recursive: true);
            }

            timed.Seconds = 0;
            var watch = Stopwatch.StartNew();
            var fullEncoder = TextEncoder.Create(encoderOptions);
            var rows = TeacherRows.Encode(DataSource.Read(source).Take(limit), fullEncoder);
            var builder = new TeacherCacheBuilder(timed, teacherPath, new TeacherCacheOptions
            {
                Tensors = [CachedTensorSpec.Logits(outputs[0]), .. layers.Select((l, i) => CachedTensorSpec.Attention(l, outputs[i + 1]))],
                BatchSize = batchSize,
            });
            result = builder.Build(rows, folder, TeacherRows.Describe(fullEncoder));
            var seconds = watch.Elapsed.TotalSeconds;
            insideTeacher.Add(timed.Seconds);
            return seconds;
        }

        var full = AlternatingPairs.Measure(Bucketed, Full, pairs, warmupPairs: 1,
            report: (p, b, c) => Console.WriteLine($"  pair {p + 1}: (b) bucketed {b,7:F2} s  (c) cache build {c,7:F2} s ({insideTeacher[^1]:F2} s inside the teacher)  ratio {b / c:F3}"));
        var bucketing = AlternatingPairs.Measure(Padded, Bucketed, bucketingPairs, warmupPairs: 0,
            report: (p, a, b) => Console.WriteLine($"  pair {p + 1}: (a) padded {a,7:F2} s  (b) bucketed {b,7:F2} s  ratio {a / b:F3}"));

        var teacherShare = Stats.Median(insideTeacher.Skip(1).ToList()); // the warm-up build's is left out
        Console.WriteLine($"  (a) bare ONNX Runtime, padded to {paddedLength}:   {encoded.Count / bucketing.MedianA,9:N0} rows/s ({bucketing.MedianA:F2} s, median)");
        Console.WriteLine($"  (b) bare ONNX Runtime, length-bucketed: {encoded.Count / full.MedianA,9:N0} rows/s ({full.MedianA:F2} s, median)");
        Console.WriteLine($"  (c) Distill cache build (read, tokenize, run, write): {encoded.Count / full.MedianB,9:N0} rows/s ({full.MedianB:F2} s, median; {teacherShare:F2} s of it inside the teacher)");

        var summary = TeacherCache.Inspect(result.Folder);
        var paddedFloat32 = (2.0 + layers.Length * 12.0 * paddedLength * paddedLength) * 4;
        Console.WriteLine($"  stored {summary.Bytes:N0} bytes in {summary.ShardsPresent} shards: {summary.BytesPerRow:N0} bytes per row, " +
                          $"{paddedFloat32 / summary.BytesPerRow:F1}x smaller than float32 padded to {paddedLength} ({paddedFloat32:N0} bytes per row)");
        Console.WriteLine(BenchmarkResult.Line("teacher-cache",
            ("full_vs_bare", full.Median), ("spread", full.Spread), ("pairs", pairs),
            ("bucketing_speedup", bucketing.Median), ("bucketing_spread", bucketing.Spread),
            ("bytes_per_row", Math.Round(summary.BytesPerRow)), ("padded_fp32_bytes_per_row", paddedFloat32), ("rows", encoded.Count)));
        return 0;
    }

    /// <summary>Runs every batch through the session and returns the seconds taken; outputs are read in place.</summary>
    private static double BareLoop(InferenceSession session, string[] outputs, IEnumerable<EncodedText[]> batches, int? padTo)
    {
        var watch = Stopwatch.StartNew();
        double checksum = 0;
        foreach (var chunk in batches)
        {
            var batch = TextBatch.Pad(chunk, padTo);
            long[] shape = [batch.BatchSize, batch.SequenceLength];
            using var ids = OrtValue.CreateTensorValueFromMemory(batch.InputIds, shape);
            using var mask = OrtValue.CreateTensorValueFromMemory(batch.AttentionMask, shape);
            using var types = OrtValue.CreateTensorValueFromMemory(batch.TokenTypeIds, shape);
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, [OnnxNames.InputIds, OnnxNames.AttentionMask, OnnxNames.TokenTypeIds], [ids, mask, types], outputs);
            checksum += results[0].GetTensorDataAsSpan<float>()[0];
        }

        return double.IsNaN(checksum) ? double.NaN : watch.Elapsed.TotalSeconds;
    }

    /// <summary>Counts the time spent inside the teacher, to tell Distill's own work from the teacher's in (c).</summary>
    private sealed class TimedTeacher(ITeacherModel teacher) : ITeacherModel
    {
        public double Seconds { get; set; }

        public string ContentHash => teacher.ContentHash;

        public TeacherOutputs Run(TeacherBatch batch, IReadOnlyList<string> outputs)
        {
            var start = Stopwatch.GetTimestamp();
            var result = teacher.Run(batch, outputs);
            Seconds += Stopwatch.GetElapsedTime(start).TotalSeconds;
            return result;
        }
    }
}
