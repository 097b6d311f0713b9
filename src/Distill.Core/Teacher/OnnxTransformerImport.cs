using System.Text.Json;
using Distill.Students;
using Distill.Students.Checkpoints;
using Distill.Teacher.Internal;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using static TorchSharp.torch;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Distill.Teacher;

/// <summary>Settings of <see cref="OnnxTransformerImport"/>.</summary>
public sealed record OnnxTransformerImportOptions
{
    /// <summary>Attention heads, used only when the graph's reshapes do not show them. Default null.</summary>
    public int? Heads { get; init; }

    /// <summary>Classes of the new classifier when the graph has none (an encoder such as all-MiniLM-L6-v2). Default 2.</summary>
    public int NumLabels { get; init; } = 2;

    /// <summary>
    /// The largest absolute difference allowed between the module's and ONNX Runtime's hidden states (and logits).
    /// Default 1e-3: float32 sums in another order differ by about 1e-5 per layer; a weight read wrongly differs by
    /// whole units.
    /// </summary>
    public double Tolerance { get; init; } = 1e-3;
}

/// <summary>
/// Imports a BERT-family encoder exported to ONNX as a <see cref="TransformerStudent"/>: a teacher becomes a TorchSharp
/// module (for block-wise distillation or to start a student from its layers), and a pretrained encoder becomes the
/// start of a fine-tuned teacher. The graph is read by its structure, not by initializer names, so <c>torch.onnx</c>
/// and Hugging Face exports (anonymous, transposed MatMul weights), ONNX Runtime's fused forms and Distill's own exports
/// all import. Every import is verified: the module and ONNX Runtime run the same inputs and must give the same hidden
/// state at every layer.
/// </summary>
public static class OnnxTransformerImport
{
    private const int ParityBatch = 3;
    private const int ParityLength = 16;

    /// <summary>
    /// Reads <paramref name="onnxPath"/>, builds the transformer it holds (in evaluation mode, on the CPU) and checks it
    /// against ONNX Runtime. A graph without a classifier gets a new, randomly initialised one of
    /// <see cref="OnnxTransformerImportOptions.NumLabels"/> classes (listed as missing in the report); the same for the
    /// pooler.
    /// </summary>
    /// <exception cref="DistillException">The file is unreadable, the graph is not a BERT-family encoder (the message
    /// names the first node that did not fit), or the module and ONNX Runtime disagree.</exception>
    public static ImportedTransformer Import(string onnxPath, OnnxTransformerImportOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(onnxPath);
        options ??= new OnnxTransformerImportOptions();
        var model = TeacherGraph.Load(onnxPath);
        var match = BertGraphMatcher.Match(model, onnxPath, options.Heads, options.NumLabels);
        var settings = match.Options;
        var errors = settings.Validate().ToList();
        if (errors.Count > 0)
        {
            throw TeacherErrors.InvalidImportedTransformer(onnxPath, errors);
        }

        var student = new TransformerStudent(settings);
        try
        {
            var report = Load(student, match, onnxPath);
            student.eval();
            var parity = Verify(student, model, match, onnxPath, options.Tolerance);
            return new ImportedTransformer
            {
                Model = student,
                Report = report,
                Labels = Labels(model, onnxPath, settings.NumLabels, match.HasClassifier),
                Parity = parity,
                Structure = match.Style,
            };
        }
        catch
        {
            student.Dispose();
            throw;
        }
    }

    private static WeightImportReport Load(TransformerStudent student, BertGraphMatch match, string source)
    {
        var loaded = new List<string>();
        var missing = new List<string>();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        foreach (var (key, parameter) in student.state_dict())
        {
            if (!match.Weights.TryGetValue(key, out var weight))
            {
                missing.Add(key);
                continue;
            }

            if (!weight.Shape.SequenceEqual(parameter.shape))
            {
                throw TeacherErrors.ImportedWeightShape(source, key, weight.Shape, parameter.shape);
            }

            parameter.copy_(tensor(weight.Values, weight.Shape));
            loaded.Add(key);
        }

        return new WeightImportReport { Source = source, Loaded = loaded, Missing = missing, Unexpected = [], Ignored = [] };
    }

    private static TransformerImportParity Verify(TransformerStudent student, ModelProto model, BertGraphMatch match, string source, double tolerance)
    {
        var settings = student.Settings;
        var lengths = new[] { ParityLength, ParityLength - 5, 3 }.Select(l => Math.Min(l, settings.MaxPositions)).ToArray();
        var length = lengths[0];
        var random = new Random(20240611);
        var ids = new long[ParityBatch * length];
        var mask = new long[ParityBatch * length];
        var types = new long[ParityBatch * length];
        for (var b = 0; b < ParityBatch; b++)
        {
            for (var s = 0; s < lengths[b]; s++)
            {
                ids[(b * length) + s] = random.NextInt64(1, settings.VocabSize);
                mask[(b * length) + s] = 1;
                types[(b * length) + s] = s >= lengths[b] / 2 ? settings.TypeVocabSize - 1 : 0;
            }
        }

        // ONNX Runtime, with each hidden state (and the logits) made a graph output.
        var editor = new GraphEditor(model, source);
        var wanted = match.HiddenStates.Concat(match.LogitsTensor is { } l ? [l] : []).ToList();
        foreach (var name in wanted.Where(n => !model.Graph.Output.Any(o => o.Name == n)).Distinct())
        {
            editor.AddRaw(name);
        }

        var onnx = new List<float[]>();
        using (var sessionOptions = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_BASIC })
        {
            sessionOptions.AddSessionConfigEntry("session.model_external_initializers_file_folder_path", Path.GetDirectoryName(Path.GetFullPath(source))!);
            using var session = new InferenceSession(editor.Result.ToByteArray(), sessionOptions);
            var names = new List<string>();
            var values = new List<OrtValue>();
            try
            {
                foreach (var input in session.InputMetadata)
                {
                    long[] data = input.Key == match.TokenIdsInput ? ids
                        : input.Key == match.AttentionMaskInput ? mask
                        : input.Key == match.TokenTypeIdsInput || TeacherInputNames.Match(input.Key, DataType.Int64) == TeacherInputKind.TokenTypeIds ? types
                        : throw TeacherErrors.ImportCannotFeed(source, input.Key);
                    names.Add(input.Key);
                    long[] shape = [ParityBatch, length];
                    values.Add(input.Value.ElementDataType == Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Int32
                        ? OrtValue.CreateTensorValueFromMemory(data.Select(v => (int)v).ToArray(), shape)
                        : OrtValue.CreateTensorValueFromMemory(data, shape));
                }

                using var runOptions = new RunOptions();
                using var results = session.Run(runOptions, names, values, wanted);
                onnx.AddRange(results.Select(r => r.GetTensorDataAsSpan<float>().ToArray()));
            }
            finally
            {
                foreach (var value in values)
                {
                    value.Dispose();
                }
            }
        }

        // The module, on the same inputs.
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var output = student.call(new StudentInput
        {
            InputIds = tensor(ids, [ParityBatch, length]),
            AttentionMask = tensor(mask, [ParityBatch, length]),
            TokenTypeIds = match.TokenTypeIdsInput is null ? null : tensor(types, [ParityBatch, length]),
            Capture = Intermediates.HiddenStates,
        });
        var hidden = output.HiddenStates!.Select((h, i) => LargestDifference(h, onnx[i])).ToList();
        double? logits = match.LogitsTensor is null ? null : LargestDifference(output.Logits, onnx[^1]);
        var parity = new TransformerImportParity
        {
            HiddenStates = hidden,
            Logits = logits,
            Tolerance = tolerance,
            Inputs = $"{ParityBatch} sequences of {string.Join(", ", lengths)} tokens, padded to {length}",
        };
        if (!(parity.LargestDifference <= tolerance))
        {
            throw TeacherErrors.ImportParityExceeded(source, parity.LargestDifference, tolerance, hidden, logits);
        }

        return parity;
    }

    private static double LargestDifference(Tensor module, float[] onnx)
    {
        var values = module.contiguous().data<float>().ToArray();
        if (values.Length != onnx.Length)
        {
            return double.PositiveInfinity;
        }

        var largest = 0.0;
        for (var i = 0; i < values.Length; i++)
        {
            var difference = Math.Abs((double)values[i] - onnx[i]);
            largest = double.IsNaN(difference) ? double.PositiveInfinity : Math.Max(largest, difference);
        }

        return largest;
    }

    /// <summary>The class names of the <c>distill.labels</c> metadata (a JSON array), or null when there is none.</summary>
    private static IReadOnlyList<string>? Labels(ModelProto model, string source, int numLabels, bool hasClassifier)
    {
        var metadata = model.MetadataProps.FirstOrDefault(p => p.Key == OnnxMetadataKeys.Labels);
        if (metadata is null || !hasClassifier)
        {
            return null;
        }

        string[]? labels;
        try
        {
            labels = JsonSerializer.Deserialize<string[]>(metadata.Value);
        }
        catch (JsonException)
        {
            labels = null;
        }

        return labels is not null && labels.Length == numLabels
            ? labels
            : throw TeacherErrors.LabelsMetadataInvalid(source, numLabels, metadata.Value);
    }
}
