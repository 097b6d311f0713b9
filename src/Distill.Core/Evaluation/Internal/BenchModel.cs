using System.Diagnostics;
using System.Globalization;
using Distill.Teacher;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Distill.Evaluation.Internal;

/// <summary>
/// One ONNX model in an ONNX Runtime CPU session with made-up inputs for batch 1 and the throughput batch, built once
/// and reused by every timed run so that only the model's own work is timed.
/// </summary>
internal sealed class BenchModel : IDisposable
{
    // Token ids are drawn below this when the graph does not show the embedding table: small enough for any vocabulary.
    private const int FallbackVocabulary = 100;

    private readonly InferenceSession _session;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly Dictionary<int, OrtValue[]> _feeds = [];
    private readonly RunOptions _runOptions = new();

    private BenchModel(string path, InferenceSession session, string[] inputNames, string[] outputNames)
    {
        Path = path;
        _session = session;
        _inputNames = inputNames;
        _outputNames = outputNames;
    }

    public string Path { get; }

    public long Bytes { get; private init; }

    public int? SequenceLength { get; private set; }

    public IReadOnlyList<string> Inputs { get; private set; } = [];

    /// <summary>Opens <paramref name="path"/> and makes its inputs for batch 1 and <see cref="OnnxBenchOptions.BatchSize"/>.</summary>
    /// <exception cref="DistillException">The file is missing, not ONNX, has inputs the bench cannot make up, or does not load.</exception>
    public static BenchModel Load(string path, OnnxBenchOptions options)
    {
        var model = Read(path);
        var inspection = TeacherGraph.Inspect(model, path);
        var vocabulary = options.VocabularySize ?? (inspection.TokenIdsInput is { } ids ? TeacherGraph.TokenEmbeddingRows(model, ids) : null) ?? FallbackVocabulary;

        // Serving reads the logits only; asking for every output would time copies of tensors no caller wants.
        var outputs = inspection.Logits is { } logits ? [logits] : inspection.Outputs.Select(o => o.Name).ToArray();
        var plans = inspection.Inputs.Select(input => InputPlan.For(input, inspection, options, vocabulary)).ToList();

        InferenceSession session;
        try
        {
            using var sessionOptions = new SessionOptions
            {
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
                ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
                IntraOpNumThreads = options.Threads,
            };
            // Two sessions share the cores: threads that spin after a run would steal them from the other model's run
            // (measured here: the same model timed 6 times slower at batch 32 beside a spinning twin), so they sleep.
            sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
            session = new InferenceSession(path, sessionOptions);
        }
        catch (OnnxRuntimeException e)
        {
            throw EvaluationErrors.CannotLoad(path, e);
        }

        var bench = new BenchModel(path, session, plans.Select(p => p.Input.Name).ToArray(), outputs) { Bytes = new FileInfo(path).Length };
        try
        {
            var random = new Random(options.Seed);
            foreach (var batch in new[] { 1, options.BatchSize }.Distinct())
            {
                bench._feeds[batch] = plans.Select(p => p.Create(batch, random)).ToArray();
            }

            bench.Inputs = plans.Select(p => p.Describe(1)).ToList();
            bench.SequenceLength = plans.Select(p => p.SequenceLength).FirstOrDefault(s => s is not null);
            return bench;
        }
        catch
        {
            bench.Dispose();
            throw;
        }
    }

    /// <summary>Runs the model once on the batch of <paramref name="rows"/> rows and returns the time it took, in milliseconds.</summary>
    /// <exception cref="DistillException">ONNX Runtime cannot run the model on these inputs.</exception>
    public double Time(int rows)
    {
        var feed = _feeds[rows];
        var start = Stopwatch.GetTimestamp();
        try
        {
            using var results = _session.Run(_runOptions, _inputNames, feed, _outputNames);
            return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        catch (OnnxRuntimeException e)
        {
            throw EvaluationErrors.CannotRun(Path, e, Inputs);
        }
    }

    public void Dispose()
    {
        foreach (var value in _feeds.Values.SelectMany(v => v))
        {
            value.Dispose();
        }

        _runOptions.Dispose();
        _session.Dispose();
    }

    // TeacherGraph.Load would call every file "the teacher's"; the bench reads students too.
    private static ModelProto Read(string path)
    {
        if (!File.Exists(path))
        {
            throw EvaluationErrors.ModelFileNotFound(path);
        }

        try
        {
            using var stream = File.OpenRead(path);
            var model = ModelProto.Parser.ParseFrom(stream);
            return model.Graph is null
                ? throw EvaluationErrors.NoGraph(path)
                : model;
        }
        catch (Google.Protobuf.InvalidProtocolBufferException e)
        {
            throw EvaluationErrors.NotOnnx(path, e);
        }
    }

    /// <summary>How one model input is filled: its shape at a batch size, and what values go in.</summary>
    private sealed class InputPlan
    {
        private enum Fill { TokenIds, Ones, Zeros, Uniform }

        private InputPlan(TeacherTensorInfo input, long[] dims, Fill fill, int vocabulary, int? sequenceLength)
        {
            Input = input;
            Dims = dims;
            How = fill;
            Vocabulary = vocabulary;
            SequenceLength = sequenceLength;
        }

        public TeacherTensorInfo Input { get; }

        public int? SequenceLength { get; }

        private long[] Dims { get; }

        private Fill How { get; }

        private int Vocabulary { get; }

        public static InputPlan For(TeacherTensorInfo input, TeacherInspection model, OnnxBenchOptions options, int vocabulary)
        {
            if (input.Shape is not { Count: >= 1 } shape)
            {
                throw EvaluationErrors.InputWithoutShape(model, input);
            }

            if (shape[0].Value is { } fixedBatch)
            {
                throw EvaluationErrors.InputWithFixedBatch(model, input, fixedBatch, options.BatchSize);
            }

            var type = input.ElementType;
            var isFloat = TeacherInputNames.IsFloat(type);
            var isImage = isFloat && shape.Count == 4;
            var dims = new long[shape.Count];
            int? sequence = null;
            for (var d = 1; d < shape.Count; d++)
            {
                if (shape[d].Value is { } size)
                {
                    dims[d] = size;
                    sequence ??= !isFloat && d == 1 ? (int)size : null;
                }
                else if (isImage && d >= 2)
                {
                    dims[d] = options.ImageSize;
                }
                else
                {
                    dims[d] = options.SequenceLength;
                    sequence = options.SequenceLength;
                }
            }

            var kind = TeacherInputNames.Match(input.Name, type) ?? (input.Name == model.TokenIdsInput ? TeacherInputKind.InputIds : null);
            var fill = type switch
            {
                DataType.Int64 or DataType.Int32 => kind switch
                {
                    TeacherInputKind.InputIds => Fill.TokenIds,
                    TeacherInputKind.AttentionMask => Fill.Ones,
                    _ => Fill.Zeros,
                },
                DataType.Bool => kind == TeacherInputKind.AttentionMask ? Fill.Ones : Fill.Zeros,
                DataType.Float or DataType.Double or DataType.Float16 => kind == TeacherInputKind.AttentionMask ? Fill.Ones : Fill.Uniform,
                _ => throw EvaluationErrors.InputTypeNotFilled(model, input),
            };
            return new InputPlan(input, dims, fill, vocabulary, sequence);
        }

        public OrtValue Create(int batch, Random random)
        {
            long[] shape = [batch, .. Dims.Skip(1)];
            var count = checked((int)shape.Aggregate(1L, (a, b) => a * b));
            var values = new double[count];
            for (var i = 0; i < count; i++)
            {
                values[i] = How switch
                {
                    Fill.TokenIds => Vocabulary > 1 ? random.Next(1, Vocabulary) : 0,
                    Fill.Ones => 1,
                    Fill.Zeros => 0,
                    _ => (random.NextDouble() * 2) - 1,
                };
            }

            return Input.ElementType switch
            {
                DataType.Int64 => OrtValue.CreateTensorValueFromMemory(values.Select(v => (long)v).ToArray(), shape),
                DataType.Int32 => OrtValue.CreateTensorValueFromMemory(values.Select(v => (int)v).ToArray(), shape),
                DataType.Bool => OrtValue.CreateTensorValueFromMemory(values.Select(v => v != 0).ToArray(), shape),
                DataType.Double => OrtValue.CreateTensorValueFromMemory(values, shape),
                DataType.Float16 => OrtValue.CreateTensorValueFromMemory(values.Select(v => (Float16)(float)v).ToArray(), shape),
                _ => OrtValue.CreateTensorValueFromMemory(values.Select(v => (float)v).ToArray(), shape),
            };
        }

        public string Describe(int batch)
        {
            var what = How switch
            {
                Fill.TokenIds => $"random ids in [1, {Vocabulary})",
                Fill.Ones => "ones",
                Fill.Zeros => "zeros",
                _ => "uniform in [-1, 1)",
            };
            return string.Create(CultureInfo.InvariantCulture, $"{Input.Name}: {Input.ElementTypeName} [{string.Join(", ", Dims.Skip(1).Prepend(batch))}] {what}");
        }
    }
}
