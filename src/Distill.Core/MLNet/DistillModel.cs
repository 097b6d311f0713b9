using Distill.Platform;
using System.Text.Json;
using System.Text.Json.Nodes;
using Distill.MLNet.Internal;
using Distill.Students.Checkpoints;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Distill.MLNet;

/// <summary>
/// Saves and loads fitted models that hold Distill transformers, in Distill's own format: ML.NET's model loader finds
/// transformers through an attribute internal to ML.NET, so it cannot load Distill's (and <c>mlContext.Model.Save</c>
/// refuses them with a message pointing here).
/// </summary>
/// <remarks>
/// A saved model is a folder with a manifest, <c>distill-mlnet.json</c> (format, version, the transformer's kind and
/// settings), and the transformer's files: the vocabulary for a tokenizer, a copy of the ONNX file for a teacher, a
/// student checkpoint (<see cref="StudentCheckpoint"/>'s format) for a student. A chain (what fitting an estimator
/// chain gives) is a folder with one numbered entry per transformer: a sub-folder for each Distill transformer or
/// nested chain, and a <c>.zip</c> written by ML.NET's own saver for each ML.NET transformer (MapValueToKey, say).
/// Saving writes a hidden folder and renames it into place, so a model appears whole or not at all.
/// </remarks>
public static class DistillModel
{
    /// <summary>The manifest's file name.</summary>
    public const string ManifestFileName = "distill-mlnet.json";

    /// <summary>The manifest's <c>format</c>.</summary>
    public const string FormatName = "distill.mlnet";

    /// <summary>The manifest layout this Distill writes and reads.</summary>
    public const int FormatVersion = 1;

    private const string ChainKind = "chain";

    /// <summary>
    /// Saves <paramref name="model"/> (a Distill transformer, or a chain of Distill and ML.NET transformers) in
    /// <paramref name="folder"/>, which must be new, empty, or (with <paramref name="overwrite"/>) a saved model.
    /// </summary>
    /// <exception cref="DistillException">The folder holds something else, or a transformer cannot be saved.</exception>
    public static void Save(ITransformer model, string folder, bool overwrite = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(folder);
        var target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        CheckReplaceable(folder, target, overwrite);
        AtomicFolder.Write(target, temporary => Write(model, temporary));
    }

    /// <summary>Loads a model saved by <see cref="Save"/>. ML.NET transformers in it are loaded by <paramref name="mlContext"/>.</summary>
    /// <exception cref="DistillException">The folder is not a saved model, or is damaged, or was written by a newer Distill.</exception>
    public static ITransformer Load(MLContext mlContext, string folder)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(folder);
        var path = Path.Combine(folder, ManifestFileName);
        if (!File.Exists(path))
        {
            throw Invalid(Directory.Exists(folder)
                ? $"{folder}: has no {ManifestFileName}, so it is not a model saved by DistillModel.Save; pass the folder Save wrote"
                : $"{folder}: folder not found; pass the folder DistillModel.Save wrote");
        }

        JsonObject root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw Invalid($"{path}: must hold a JSON object; save the model again");
        }
        catch (JsonException e)
        {
            throw Invalid($"{path}: not valid JSON ({e.Message}); save the model again");
        }

        var format = root["format"]?.ToJsonString();
        if (format != $"\"{FormatName}\"")
        {
            throw Invalid($"{path}: format is {format ?? "missing"}, not \"{FormatName}\"; this JSON is not a saved Distill ML.NET model");
        }

        var version = root["format_version"] is JsonValue v && v.TryGetValue<int>(out var n) ? n : (int?)null;
        if (version != FormatVersion)
        {
            throw Invalid($"{path}: format_version {root["format_version"]?.ToJsonString() ?? "missing"} is not supported (this Distill, {StudentCheckpoint.DistillVersion}, reads version {FormatVersion}); " +
                          $"load it with the Distill that wrote it ({root["distill_version"]?.ToString() ?? "unknown"}) or save it again with this one");
        }

        var kind = root["transformer"]?.ToString();
        var settings = new ManifestReader(path, root["settings"] as JsonObject ?? throw Invalid($"{path}: settings must be an object; save the model again"));
        return kind switch
        {
            TextTokenizerTransformer.KindName => TextTokenizerTransformer.Load(folder, settings),
            TeacherOutputsTransformer.KindName => TeacherOutputsTransformer.Load(folder, settings),
            StudentPredictionTransformer.KindName => StudentPredictionTransformer.Load(folder, settings),
            ChainKind => LoadChain(mlContext, folder, settings),
            _ => throw Invalid($"{path}: unknown transformer '{kind}' (known: {TextTokenizerTransformer.KindName}, {TeacherOutputsTransformer.KindName}, " +
                               $"{StudentPredictionTransformer.KindName}, {ChainKind}); it was written by a newer Distill or edited by hand"),
        };
    }

    private static void Write(ITransformer model, string folder)
    {
        string kind;
        JsonObject settings;
        switch (model)
        {
            case DistillTransformer distill:
                kind = distill.Kind;
                settings = distill.SaveTo(folder);
                break;
            case IEnumerable<ITransformer> chain:
                kind = ChainKind;
                settings = new JsonObject { ["parts"] = WriteParts(chain.ToList(), folder) };
                break;
            default:
                throw Invalid($"{model.GetType().Name} is neither a Distill transformer nor a chain of transformers; save ML.NET models with mlContext.Model.Save");
        }

        var manifest = new JsonObject
        {
            ["format"] = FormatName,
            ["format_version"] = FormatVersion,
            ["distill_version"] = StudentCheckpoint.DistillVersion,
            ["transformer"] = kind,
            ["settings"] = settings,
        };
        File.WriteAllText(Path.Combine(folder, ManifestFileName), manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    private static JsonArray WriteParts(IReadOnlyList<ITransformer> parts, string folder)
    {
        var entries = new JsonArray();
        for (var i = 0; i < parts.Count; i++)
        {
            var part = parts[i];
            if (part is DistillTransformer or IEnumerable<ITransformer>)
            {
                var name = $"{i:D2}-{(part is DistillTransformer d ? d.Kind : ChainKind)}";
                var sub = Directory.CreateDirectory(Path.Combine(folder, name)).FullName;
                Write(part, sub);
                entries.Add(new JsonObject { ["kind"] = "distill", ["path"] = name });
            }
            else
            {
                var name = $"{i:D2}-mlnet.zip";
                try
                {
                    new MLContext().Model.Save(part, null, Path.Combine(folder, name));
                }
                catch (Exception e) when (e is InvalidOperationException or NotSupportedException or ArgumentException)
                {
                    throw Invalid($"transformer {i} of the chain ({part.GetType().Name}) cannot be saved by ML.NET ({e.Message.Split('\n')[0]}); save a chain of saveable transformers");
                }

                entries.Add(new JsonObject { ["kind"] = "mlnet", ["path"] = name });
            }
        }

        return entries;
    }

    private static ITransformer LoadChain(MLContext mlContext, string folder, ManifestReader settings)
    {
        var parts = new List<ITransformer>();
        try
        {
            foreach (var entry in settings.Array("parts"))
            {
                var kind = entry?["kind"]?.ToString();
                var path = Path.Combine(folder, entry?["path"]?.ToString() ?? throw Invalid($"{folder}: a chain part has no path; save the model again"));
                parts.Add(kind switch
                {
                    "distill" => Load(mlContext, path),
                    "mlnet" when File.Exists(path) => mlContext.Model.Load(path, out _),
                    "mlnet" => throw Invalid($"{path}: file not found, though {ManifestFileName} lists it; restore it or save the model again"),
                    _ => throw Invalid($"{folder}: chain part '{kind}' is neither distill nor mlnet; save the model again"),
                });
            }
        }
        catch
        {
            foreach (var part in parts)
            {
                (part as DistillTransformer)?.Release();
                (part as IDisposable)?.Dispose();
            }

            throw;
        }

        return new TransformerChain<ITransformer>(parts.ToArray());
    }

    private static void CheckReplaceable(string folder, string target, bool overwrite)
    {
        if (File.Exists(target))
        {
            throw Invalid($"{folder}: is a file, not a folder; choose a folder path for the model");
        }

        if (!Directory.Exists(target) || !Directory.EnumerateFileSystemEntries(target).Any())
        {
            return;
        }

        if (!File.Exists(Path.Combine(target, ManifestFileName)))
        {
            throw Invalid($"{folder}: holds files but no {ManifestFileName}, so it is not a saved model and will not be replaced; choose a new or empty folder");
        }

        if (!overwrite)
        {
            throw Invalid($"{folder}: already holds a saved model; pass overwrite: true to replace it, or choose another folder");
        }
    }

    private static DistillException Invalid(string message) => new(DistillErrorKind.InvalidInput, message);
}
