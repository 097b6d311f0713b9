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
            throw CheckpointErrors.WeightsMissing(weights);
        }

        var actual = Sha256Of(weights);
        if (!string.Equals(actual, manifest.WeightsSha256, StringComparison.OrdinalIgnoreCase))
        {
            throw CheckpointErrors.WeightsChecksumMismatch(weights, actual, manifest.WeightsSha256);
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
                throw CheckpointErrors.WeightsDoNotFitManifest(weights, manifest.Student.ArchitectureName, report.Missing, report.Unexpected);
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
            throw CheckpointErrors.FolderNotFound(folder);
        }

        var path = Path.Combine(folder, ManifestFileName);
        if (!File.Exists(path))
        {
            var holdsWeights = File.Exists(Path.Combine(folder, WeightsFileName)) || File.Exists(Path.Combine(folder, HuggingFaceBert.PyTorchWeightsFileName));
            throw CheckpointErrors.NoManifest(folder, holdsWeights);
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
                ?? throw CheckpointErrors.ManifestNotAnObject(path);
        }
        catch (JsonException e)
        {
            throw CheckpointErrors.ManifestNotJson(path, e);
        }

        var format = StringValue(root, "format");
        if (format != FormatName)
        {
            throw CheckpointErrors.NotAManifest(path, root["format"]);
        }

        if (root["format_version"] is not JsonValue versionNode || !versionNode.TryGetValue<int>(out var version))
        {
            throw CheckpointErrors.ManifestVersionNotAWholeNumber(path, root["format_version"]);
        }

        if (version != FormatVersion)
        {
            throw CheckpointErrors.UnsupportedManifestVersion(path, version, StringValue(root, "distill_version"));
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
            throw CheckpointErrors.ManifestUnreadable(path, e);
        }

        manifest = manifest with { Student = student };
        if (manifest.Labels.Count != student.NumLabels || manifest.Labels.Any(string.IsNullOrWhiteSpace))
        {
            throw CheckpointErrors.ManifestLabelsWrong(path, student.NumLabels, manifest.Labels);
        }

        if (manifest.WeightsSha256 is null || manifest.WeightsSha256.Length != 64 || !manifest.WeightsSha256.All(char.IsAsciiHexDigit))
        {
            throw CheckpointErrors.ManifestWeightsHashMalformed(path, root["weights_sha256"]);
        }

        if (manifest.VocabularyHash is not null && !VocabularyHash.IsWellFormed(manifest.VocabularyHash))
        {
            throw CheckpointErrors.ManifestVocabularyHashMalformed(path, root["vocabulary_hash"]);
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
            problems.Add($"labels do not match (checkpoint {CheckpointErrors.List(manifest.Labels)}, expected {CheckpointErrors.List(expected.Labels)})");
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
                    problems.Add($"student.{key} does not match (checkpoint {StudentErrors.Show(found)}, expected {StudentErrors.Show(value)})");
                }
            }
        }

        if (problems.Count > 0)
        {
            throw CheckpointErrors.NotAsExpected(path, problems);
        }
    }

    private static void CheckInfo(StudentModel model, string folder, StudentCheckpointInfo info)
    {
        var labels = info.Labels ?? [];
        if (labels.Count != model.NumLabels)
        {
            throw CheckpointErrors.LabelCountMismatch(folder, labels.Count, model.NumLabels);
        }

        if (labels.Any(string.IsNullOrWhiteSpace))
        {
            throw CheckpointErrors.EmptyLabel(folder, labels);
        }

        var repeated = labels.GroupBy(l => l, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (repeated is not null)
        {
            throw CheckpointErrors.RepeatedLabel(folder, repeated.Key, repeated.Count(), labels);
        }

        if (info.VocabularyHash is not null && !VocabularyHash.IsWellFormed(info.VocabularyHash))
        {
            throw CheckpointErrors.VocabularyHashMalformed(folder, info.VocabularyHash);
        }
    }

    private static void CheckReplaceable(string folder, string target, bool overwrite)
    {
        if (File.Exists(target))
        {
            throw CheckpointErrors.FolderIsAFile(folder);
        }

        if (!Directory.Exists(target) || !Directory.EnumerateFileSystemEntries(target).Any())
        {
            return;
        }

        if (!File.Exists(Path.Combine(target, ManifestFileName)))
        {
            throw CheckpointErrors.FolderNotACheckpoint(folder);
        }

        if (!overwrite)
        {
            throw CheckpointErrors.CheckpointExists(folder);
        }
    }

    private static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static string? StringValue(JsonObject root, string key) =>
        root[key] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}
