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
            throw Directory.Exists(folder) ? MLNetErrors.NoManifest(folder) : MLNetErrors.ModelFolderNotFound(folder);
        }

        JsonObject root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw MLNetErrors.ManifestNotAnObject(path);
        }
        catch (JsonException e)
        {
            throw MLNetErrors.ManifestNotJson(path, e);
        }

        var format = root["format"]?.ToJsonString();
        if (format != $"\"{FormatName}\"")
        {
            throw MLNetErrors.ManifestFormat(path, format);
        }

        var version = root["format_version"] is JsonValue v && v.TryGetValue<int>(out var n) ? n : (int?)null;
        if (version != FormatVersion)
        {
            throw MLNetErrors.ManifestFormatVersion(path, root["format_version"], root["distill_version"]?.ToString());
        }

        var kind = root["transformer"]?.ToString();
        var settings = new ManifestReader(path, root["settings"] as JsonObject ?? throw MLNetErrors.ManifestSettingsNotAnObject(path));
        return kind switch
        {
            TextTokenizerTransformer.KindName => TextTokenizerTransformer.Load(folder, settings),
            TeacherOutputsTransformer.KindName => TeacherOutputsTransformer.Load(folder, settings),
            StudentPredictionTransformer.KindName => StudentPredictionTransformer.Load(folder, settings),
            ChainKind => LoadChain(mlContext, folder, settings),
            _ => throw MLNetErrors.UnknownTransformer(path, kind, [TextTokenizerTransformer.KindName, TeacherOutputsTransformer.KindName, StudentPredictionTransformer.KindName, ChainKind]),
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
                throw MLNetErrors.NotSaveable(model.GetType());
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
                    throw MLNetErrors.ChainPartNotSaveable(i, part.GetType(), e);
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
                var path = Path.Combine(folder, entry?["path"]?.ToString() ?? throw MLNetErrors.ChainPartWithoutPath(folder));
                parts.Add(kind switch
                {
                    "distill" => Load(mlContext, path),
                    "mlnet" when File.Exists(path) => mlContext.Model.Load(path, out _),
                    "mlnet" => throw MLNetErrors.ChainPartMissing(path),
                    _ => throw MLNetErrors.UnknownChainPart(folder, kind),
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
            throw MLNetErrors.ModelPathIsFile(folder);
        }

        if (!Directory.Exists(target) || !Directory.EnumerateFileSystemEntries(target).Any())
        {
            return;
        }

        if (!File.Exists(Path.Combine(target, ManifestFileName)))
        {
            throw MLNetErrors.FolderNotAModel(folder);
        }

        if (!overwrite)
        {
            throw MLNetErrors.ModelExists(folder);
        }
    }
}
