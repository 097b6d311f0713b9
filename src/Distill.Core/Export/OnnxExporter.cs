using System.Text.Json;
using Distill.Export.Internal;
using Distill.Students;
using Google.Protobuf;
using Onnx;
using static TorchSharp.torch;

namespace Distill.Export;

/// <summary>
/// Writes a student as an ONNX model that any ONNX Runtime can serve: opset 17 or later, dynamic batch and sequence
/// axes, inputs <c>input_ids</c>, <c>attention_mask</c> (and <c>token_type_ids</c> for transformers) or a float
/// tensor, output <c>logits</c>, optional extra outputs, and metadata (labels, vocabulary hash, Distill version,
/// architecture). The graph is written by Distill from the student's weights; weights are initializers named by their
/// state-dict keys where they are used as they are.
/// </summary>
public static class OnnxExporter
{
    /// <summary>Builds the ONNX model of <paramref name="model"/> in memory.</summary>
    public static ModelProto ToModel(StudentModel model, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new OnnxExportOptions();
        if (options.Opset < 17)
        {
            throw ExportErrors.OpsetTooLow(options.Opset);
        }

        if (options.Labels is { } labels && labels.Count != model.NumLabels)
        {
            throw ExportErrors.LabelCount(labels.Count, model.NumLabels);
        }

        var unsupported = options.ExtraOutputs & ~SupportedExtras(model.Kind);
        if (unsupported != Intermediates.None)
        {
            throw ExportErrors.UnsupportedExtraOutputs(model.Options.ArchitectureName, unsupported, SupportedExtras(model.Kind));
        }

        var builder = new OnnxGraphBuilder($"distill_{model.Options.ArchitectureName}");
        using (no_grad())
        {
            switch (model)
            {
                case TransformerStudent transformer:
                    TransformerGraph.Build(builder, transformer, options.ExtraOutputs);
                    break;
                case BiLstmStudent bilstm:
                    BiLstmGraph.Build(builder, bilstm);
                    break;
                case TextCnnStudent textCnn:
                    TextCnnGraph.Build(builder, textCnn);
                    break;
                case MlpStudent mlp:
                    MlpGraph.Build(builder, mlp);
                    break;
                case ImageCnnStudent imageCnn:
                    ImageCnnGraph.Build(builder, imageCnn, options.ExtraOutputs);
                    break;
                default:
                    throw new NotSupportedException($"ONNX export of {model.GetType().Name} is not supported");
            }
        }

        var onnx = new ModelProto
        {
            IrVersion = 8,
            ProducerName = "Distill",
            ProducerVersion = DistillVersion,
            DocString = $"Distill {model.Options.ArchitectureName} student",
            Graph = builder.Graph,
        };
        onnx.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = options.Opset });
        AddMetadata(onnx, OnnxMetadataKeys.Architecture, StudentOptionsJson.Serialize(model.Options));
        AddMetadata(onnx, OnnxMetadataKeys.DistillVersion, DistillVersion);
        if (options.Labels is not null)
        {
            AddMetadata(onnx, OnnxMetadataKeys.Labels, JsonSerializer.Serialize(options.Labels));
        }

        if (options.VocabularyHash is not null)
        {
            AddMetadata(onnx, OnnxMetadataKeys.VocabularyHash, options.VocabularyHash);
        }

        return onnx;
    }

    /// <summary>
    /// Exports <paramref name="model"/> to <paramref name="path"/>. The file is written beside the target and renamed
    /// into place, so a failed export never leaves a partial model; an existing file is kept unless
    /// <see cref="OnnxExportOptions.Overwrite"/> is set.
    /// </summary>
    public static void Export(StudentModel model, string path, OnnxExportOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        options ??= new OnnxExportOptions();
        if (File.Exists(path) && !options.Overwrite)
        {
            throw ExportErrors.FileExists(path);
        }

        var onnx = ToModel(model, options);
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder);
        var temporary = Path.Combine(folder, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = File.Create(temporary))
            {
                onnx.WriteTo(stream);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>The intermediate outputs an architecture can add to its export.</summary>
    public static Intermediates SupportedExtras(StudentKind kind) => kind switch
    {
        StudentKind.Transformer => Intermediates.AttentionScores | Intermediates.AttentionProbabilities | Intermediates.HiddenStates | Intermediates.Values,
        StudentKind.ImageCnn => Intermediates.FeatureMaps,
        _ => Intermediates.None,
    };

    private static string DistillVersion => typeof(OnnxExporter).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    private static void AddMetadata(ModelProto model, string key, string value) =>
        model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
}
