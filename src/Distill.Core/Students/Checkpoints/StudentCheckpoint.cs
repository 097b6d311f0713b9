using Distill.Students.Internal;
using Distill.Platform;
using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Distill.Students.Checkpoints.Internal;
using Distill.Text;
using static TorchSharp.torch;

namespace Distill.Students.Checkpoints;

/// <summary>
/// Distill's own student checkpoint: a folder holding <c>model.safetensors</c> (every parameter and buffer, under the
/// student's state-dict keys) and <c>distill.json</c> (a <see cref="StudentCheckpointManifest"/>). Saving is atomic;
/// loading checks the manifest, and what the caller expects of it, before it reads any weights, then checks the
/// weights file's SHA-256 against the manifest.
/// </summary>
public static class StudentCheckpoint
{
    /// <summary>The manifest's <c>format</c>.</summary>
    public const string FormatName = "distill.student";

    /// <summary>The manifest layout this Distill writes and reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>The manifest's file name.</summary>
    public const string ManifestFileName = "distill.json";

    /// <summary>The weights' file name.</summary>
    public const string WeightsFileName = "model.safetensors";

    /// <summary>The version of this Distill, as manifests record it.</summary>
    public static string DistillVersion { get; } =
        typeof(StudentCheckpoint).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(StudentCheckpoint).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    /// <summary>
    /// Writes <paramref name="model"/> as a checkpoint in <paramref name="folder"/> (created if needed). The checkpoint
    /// appears whole or not at all: it is written to a hidden folder beside the target and renamed into place.
    /// </summary>
    /// <param name="model">The student; its tensors may be on any device.</param>
    /// <param name="folder">The checkpoint folder. It must be new, empty, or (with <paramref name="overwrite"/>) an earlier checkpoint.</param>
    /// <param name="info">Label names (one per logit) and the vocabulary hash.</param>
    /// <param name="overwrite">Replace an existing checkpoint in <paramref name="folder"/>. Default false: refuse.</param>
    /// <returns>The manifest written.</returns>
    /// <exception cref="DistillException">The info does not fit the model, or the folder holds something that may not be replaced.</exception>
    public static StudentCheckpointManifest Save(StudentModel model, string folder, StudentCheckpointInfo info, bool overwrite = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(info);
        CheckInfo(model, folder, info);
        var target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        CheckReplaceable(folder, target, overwrite);

        StudentCheckpointManifest? written = null;
        AtomicFolder.Write(target, temporary =>
        {
            var weights = Path.Combine(temporary, WeightsFileName);
            using (NewDisposeScope())
            {
                // Safetensors holds raw CPU bytes in row-major order: bring each tensor there first.
                var tensors = model.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().cpu().contiguous(), StringComparer.Ordinal);
                StateDictFiles.WriteSafetensors(weights, tensors);
            }

            written = new StudentCheckpointManifest
            {
                DistillVersion = DistillVersion,
                Student = model.Options,
                Labels = info.Labels.ToArray(),
                VocabularyHash = info.VocabularyHash,
                WeightsSha256 = Sha256Of(weights),
            };

            // The manifest is written last: a temporary folder without it is plainly unfinished.
            using var stream = new FileStream(Path.Combine(temporary, ManifestFileName), FileMode.CreateNew, FileAccess.Write);
            JsonSerializer.Serialize(stream, written, StudentOptionsJson.IndentedSerializerOptions);
            stream.Flush(flushToDisk: true);
        });

        return written!;
    }

    /// <summary>
    /// Reads the checkpoint in <paramref name="folder"/>: the manifest first, checked (format, version, architecture,
    /// settings) and compared with <paramref name="expected"/>; then the weights, checked against the manifest's
    /// SHA-256 and the student's state dict. The model comes back in evaluation mode, on the CPU.
    /// </summary>
    /// <exception cref="DistillException">Anything is missing, damaged or not as expected; the message names the file, key and values.</exception>
    public static LoadedStudent Load(string folder, StudentCheckpointExpectations? expected = null)
    {
        var manifest = ReadManifest(folder, expected);
        var weights = Path.Combine(folder, WeightsFileName);
        if (!File.Exists(weights))
        {
            throw Invalid($"{weights}: file not found, though {ManifestFileName} is there; the checkpoint is incomplete: restore the file or save the checkpoint again");
        }

        var actual = Sha256Of(weights);
        if (!string.Equals(actual, manifest.WeightsSha256, StringComparison.OrdinalIgnoreCase))
        {
            throw Invalid($"{weights}: SHA-256 is {actual} but {ManifestFileName} records weights_sha256 {manifest.WeightsSha256}; the weights file is damaged or was replaced: restore it or save the checkpoint again");
        }

        var model = manifest.Student.CreateModel();
        try
        {
            using var scope = NewDisposeScope();
            var tensors = StateDictFiles.Read(weights);
            var copy = StateDictCopy.Plan(
                model, tensors, weights, key => key, $"the weights do not fit the {manifest.Student.ArchitectureName} student that {ManifestFileName} describes: save the checkpoint again");
            var report = copy.Report;
            if (report.Missing.Count > 0 || report.Unexpected.Count > 0)
            {
                throw Invalid(
                    $"{weights}: does not fit the {manifest.Student.ArchitectureName} student that {ManifestFileName} describes " +
                    $"(missing {Count(report.Missing)}; unexpected {Count(report.Unexpected)}); save the checkpoint again");
            }

            copy.Apply();
        }
        catch
        {
            model.Dispose();
            throw;
        }

        model.eval();
        return new LoadedStudent { Model = model, Manifest = manifest };
    }

    /// <summary>
    /// Reads and checks a checkpoint's manifest without touching its weights: format, version, architecture and
    /// settings, labels, hashes, and (when given) <paramref name="expected"/>. Every mismatch with the expectations is
    /// reported in one message.
    /// </summary>
    /// <exception cref="DistillException">The manifest is missing, malformed, of another version, or not as expected.</exception>
    public static StudentCheckpointManifest ReadManifest(string folder, StudentCheckpointExpectations? expected = null)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (!Directory.Exists(folder))
        {
            throw Invalid($"{folder}: checkpoint folder not found; pass the folder StudentCheckpoint.Save wrote (it holds {ManifestFileName} and {WeightsFileName})");
        }

        var path = Path.Combine(folder, ManifestFileName);
        if (!File.Exists(path))
        {
            var hint = File.Exists(Path.Combine(folder, WeightsFileName)) || File.Exists(Path.Combine(folder, HuggingFaceBert.PyTorchWeightsFileName))
                ? "; for Hugging Face BERT weights use HuggingFaceBert.Import"
                : string.Empty;
            throw Invalid($"{folder}: has no {ManifestFileName}, so it is not a Distill checkpoint; pass a folder written by StudentCheckpoint.Save{hint}");
        }

        var manifest = Parse(path);
        CheckExpectations(path, manifest, expected);
        return manifest;
    }

    private static StudentCheckpointManifest Parse(string path)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw Invalid($"{path}: must hold a JSON object; restore the file or save the checkpoint again");
        }
        catch (JsonException e)
        {
            throw Invalid($"{path}: not valid JSON ({e.Message}); restore the file or save the checkpoint again");
        }

        var format = StringValue(root, "format");
        if (format != FormatName)
        {
            throw Invalid($"{path}: format is {Show(root["format"])}, not \"{FormatName}\"; this JSON is not a Distill student manifest");
        }

        if (root["format_version"] is not JsonValue versionNode || !versionNode.TryGetValue<int>(out var version))
        {
            throw Invalid($"{path}: format_version must be a whole number (was {Show(root["format_version"])}); restore the file or save the checkpoint again");
        }

        if (version != FormatVersion)
        {
            throw Invalid($"{path}: format_version {version} is not supported (this Distill, {DistillVersion}, reads version {FormatVersion}); " +
                          $"load it with the Distill that wrote it ({StringValue(root, "distill_version") ?? "unknown"}) or save it again with this one");
        }

        // Checked on its own first, so that an unknown architecture is reported by name.
        var student = StudentOptionsJson.FromNode(root["student"], $"{path}: student");

        StudentCheckpointManifest manifest;
        try
        {
            manifest = root.Deserialize<StudentCheckpointManifest>(StudentOptionsJson.SerializerOptions)!;
        }
        catch (JsonException e)
        {
            throw Invalid($"{path}: {e.Message.Split('\n')[0].Trim()}; restore the file or save the checkpoint again");
        }

        manifest = manifest with { Student = student };
        if (manifest.Labels.Count != student.NumLabels || manifest.Labels.Any(string.IsNullOrWhiteSpace))
        {
            throw Invalid($"{path}: labels must name each of the student's {student.NumLabels} classes (was {List(manifest.Labels)}); restore the file or save the checkpoint again");
        }

        if (manifest.WeightsSha256 is null || manifest.WeightsSha256.Length != 64 || !manifest.WeightsSha256.All(char.IsAsciiHexDigit))
        {
            throw Invalid($"{path}: weights_sha256 must be 64 hex digits (was {Show(root["weights_sha256"])}); restore the file or save the checkpoint again");
        }

        if (manifest.VocabularyHash is not null && !VocabularyHash.IsWellFormed(manifest.VocabularyHash))
        {
            throw Invalid($"{path}: vocabulary_hash must be null or sha256:<64 hex digits> (was {Show(root["vocabulary_hash"])}); restore the file or save the checkpoint again");
        }

        return manifest;
    }

    private static void CheckExpectations(string path, StudentCheckpointManifest manifest, StudentCheckpointExpectations? expected)
    {
        if (expected is null)
        {
            return;
        }

        var problems = new List<string>();
        if (expected.Labels is not null && !expected.Labels.SequenceEqual(manifest.Labels, StringComparer.Ordinal))
        {
            problems.Add($"labels do not match (checkpoint {List(manifest.Labels)}, expected {List(expected.Labels)})");
        }

        if (expected.VocabularyHash is not null && !string.Equals(expected.VocabularyHash, manifest.VocabularyHash, StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"vocabulary_hash does not match (checkpoint {manifest.VocabularyHash ?? "none"}, expected {expected.VocabularyHash})");
        }

        var kinds = new[] { expected.Architecture, expected.Options?.Kind }.OfType<StudentKind>().Distinct();
        foreach (var kind in kinds.Where(kind => kind != manifest.Student.Kind))
        {
            problems.Add($"student.architecture does not match (checkpoint {manifest.Student.ArchitectureName}, expected {StudentOptionsJson.NameOf(kind)})");
        }

        if (expected.Options is { } options && options.Kind == manifest.Student.Kind)
        {
            // Compared as JSON, key by key, so that the message names each setting as the manifest spells it.
            var actual = StudentOptionsJson.ToNode(manifest.Student);
            foreach (var (key, value) in StudentOptionsJson.ToNode(options))
            {
                var found = actual[key];
                if (!JsonNode.DeepEquals(found, value))
                {
                    problems.Add($"student.{key} does not match (checkpoint {Show(found)}, expected {Show(value)})");
                }
            }
        }

        if (problems.Count > 0)
        {
            throw Invalid($"{path}: {string.Join("; ", problems)}; load the checkpoint made for these settings, or change what is expected to match it");
        }
    }

    private static void CheckInfo(StudentModel model, string folder, StudentCheckpointInfo info)
    {
        var labels = info.Labels ?? [];
        if (labels.Count != model.NumLabels)
        {
            throw Invalid($"{folder}: labels has {labels.Count} names but the student has num_labels {model.NumLabels}; give one name per class, in logit order");
        }

        if (labels.Any(string.IsNullOrWhiteSpace))
        {
            throw Invalid($"{folder}: labels has an empty name (was {List(labels)}); name every class");
        }

        var repeated = labels.GroupBy(l => l, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (repeated is not null)
        {
            throw Invalid($"{folder}: labels names '{repeated.Key}' {repeated.Count()} times (was {List(labels)}); give each class its own name");
        }

        if (info.VocabularyHash is not null && !VocabularyHash.IsWellFormed(info.VocabularyHash))
        {
            throw Invalid($"{folder}: vocabulary_hash '{info.VocabularyHash}' is not of the form sha256:<64 hex digits>; compute it with VocabularyHash.Compute(vocab.txt)");
        }
    }

    private static void CheckReplaceable(string folder, string target, bool overwrite)
    {
        if (File.Exists(target))
        {
            throw Invalid($"{folder}: is a file, not a folder; choose a folder path for the checkpoint");
        }

        if (!Directory.Exists(target) || !Directory.EnumerateFileSystemEntries(target).Any())
        {
            return;
        }

        if (!File.Exists(Path.Combine(target, ManifestFileName)))
        {
            throw Invalid($"{folder}: holds files but no {ManifestFileName}, so it is not a Distill checkpoint and will not be replaced; choose a new or empty folder");
        }

        if (!overwrite)
        {
            throw Invalid($"{folder}: already holds a checkpoint; pass overwrite: true to replace it, or choose another folder");
        }
    }

    private static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static string? StringValue(JsonObject root, string key) =>
        root[key] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static string Show(JsonNode? node) => node is null ? "null" : node.ToJsonString();

    private static string List(IEnumerable<string> items) => "[" + string.Join(", ", items) + "]";

    private static string Count(IReadOnlyList<string> keys) => keys.Count == 0 ? "none" : KeyLists.Sample(keys);

    private static DistillException Invalid(string message) => new(DistillErrorKind.InvalidInput, message);
}
