using System.Text.Json;
using System.Text.Json.Nodes;
using Distill.Students.Internal;

namespace Distill.Students.Checkpoints.Internal;

/// <summary>
/// The errors of saving and loading checkpoints (Distill's own and Hugging Face BERT's) and their weight files, each one
/// line that names the folder or file, the key, the value seen and what to do. All are
/// <see cref="DistillErrorKind.InvalidInput"/> (exit code 2: nothing will change until the user gives another
/// checkpoint, file or setting).
/// </summary>
internal static class CheckpointErrors
{
    private const string RestoreOrSaveAgain = "restore the file or save the checkpoint again";

    // Distill's checkpoint folder (StudentCheckpoint).

    public static DistillException WeightsMissing(string weights) =>
        new(DistillErrorKind.InvalidInput,
            $"{weights}: file not found, though {StudentCheckpoint.ManifestFileName} is there; the checkpoint is incomplete: {RestoreOrSaveAgain}");

    public static DistillException WeightsChecksumMismatch(string weights, string actual, string recorded) =>
        new(DistillErrorKind.InvalidInput,
            $"{weights}: SHA-256 is {actual} but {StudentCheckpoint.ManifestFileName} records weights_sha256 {recorded}; the weights file is damaged or was replaced: restore it or save the checkpoint again");

    public static DistillException WeightsDoNotFitManifest(string weights, string architecture, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected) =>
        new(DistillErrorKind.InvalidInput,
            $"{weights}: does not fit the {architecture} student that {StudentCheckpoint.ManifestFileName} describes " +
            $"(missing {Sample(missing)}; unexpected {Sample(unexpected)}); save the checkpoint again");

    public static DistillException FolderNotFound(string folder) =>
        new(DistillErrorKind.InvalidInput,
            $"{folder}: checkpoint folder not found; pass the folder StudentCheckpoint.Save wrote (it holds {StudentCheckpoint.ManifestFileName} and {StudentCheckpoint.WeightsFileName})");

    /// <summary>A folder without a manifest; <paramref name="holdsWeights"/> (it has weights files all the same) adds a
    /// pointer to the Hugging Face import.</summary>
    public static DistillException NoManifest(string folder, bool holdsWeights)
    {
        var hint = holdsWeights ? "; for Hugging Face BERT weights use HuggingFaceBert.Import" : string.Empty;
        return new(DistillErrorKind.InvalidInput,
            $"{folder}: has no {StudentCheckpoint.ManifestFileName}, so it is not a Distill checkpoint; pass a folder written by StudentCheckpoint.Save{hint}");
    }

    public static DistillException ManifestNotAnObject(string path) =>
        new(DistillErrorKind.InvalidInput, $"{path}: must hold a JSON object; {RestoreOrSaveAgain}");

    public static DistillException ManifestNotJson(string path, JsonException error) =>
        StudentErrors.NotJson(path, error, RestoreOrSaveAgain);

    public static DistillException NotAManifest(string path, JsonNode? format) =>
        new(DistillErrorKind.InvalidInput,
            $"{path}: format is {StudentErrors.Show(format)}, not \"{StudentCheckpoint.FormatName}\"; this JSON is not a Distill student manifest");

    public static DistillException ManifestVersionNotAWholeNumber(string path, JsonNode? version) =>
        new(DistillErrorKind.InvalidInput,
            $"{path}: format_version must be a whole number (was {StudentErrors.Show(version)}); {RestoreOrSaveAgain}");

    public static DistillException UnsupportedManifestVersion(string path, int version, string? writtenBy) =>
        new(DistillErrorKind.InvalidInput,
            $"{path}: format_version {version} is not supported (this Distill, {StudentCheckpoint.DistillVersion}, reads version {StudentCheckpoint.FormatVersion}); " +
            $"load it with the Distill that wrote it ({writtenBy ?? "unknown"}) or save it again with this one");

    public static DistillException ManifestUnreadable(string path, JsonException error) =>
        new(DistillErrorKind.InvalidInput, $"{path}: {StudentErrors.FirstLine(error.Message)}; {RestoreOrSaveAgain}");

    public static DistillException ManifestLabelsWrong(string path, int numLabels, IEnumerable<string> labels) =>
        new(DistillErrorKind.InvalidInput,
            $"{path}: labels must name each of the student's {numLabels} classes (was {List(labels)}); {RestoreOrSaveAgain}");

    public static DistillException ManifestWeightsHashMalformed(string path, JsonNode? hash) =>
        new(DistillErrorKind.InvalidInput,
            $"{path}: weights_sha256 must be 64 hex digits (was {StudentErrors.Show(hash)}); {RestoreOrSaveAgain}");

    public static DistillException ManifestVocabularyHashMalformed(string path, JsonNode? hash) =>
        new(DistillErrorKind.InvalidInput,
            $"{path}: vocabulary_hash must be null or sha256:<64 hex digits> (was {StudentErrors.Show(hash)}); {RestoreOrSaveAgain}");

    public static DistillException NotAsExpected(string path, IEnumerable<string> problems) =>
        new(DistillErrorKind.InvalidInput,
            $"{path}: {string.Join("; ", problems)}; load the checkpoint made for these settings, or change what is expected to match it");

    public static DistillException LabelCountMismatch(string folder, int labelCount, int numLabels) =>
        new(DistillErrorKind.InvalidInput,
            $"{folder}: labels has {labelCount} names but the student has num_labels {numLabels}; give one name per class, in logit order");

    public static DistillException EmptyLabel(string folder, IEnumerable<string> labels) =>
        new(DistillErrorKind.InvalidInput, $"{folder}: labels has an empty name (was {List(labels)}); name every class");

    public static DistillException RepeatedLabel(string folder, string label, int times, IEnumerable<string> labels) =>
        new(DistillErrorKind.InvalidInput,
            $"{folder}: labels names '{label}' {times} times (was {List(labels)}); give each class its own name");

    public static DistillException VocabularyHashMalformed(string folder, string hash) =>
        new(DistillErrorKind.InvalidInput,
            $"{folder}: vocabulary_hash '{hash}' is not of the form sha256:<64 hex digits>; compute it with VocabularyHash.Compute(vocab.txt)");

    public static DistillException FolderIsAFile(string folder) =>
        new(DistillErrorKind.InvalidInput, $"{folder}: is a file, not a folder; choose a folder path for the checkpoint");

    public static DistillException FolderNotACheckpoint(string folder) =>
        new(DistillErrorKind.InvalidInput,
            $"{folder}: holds files but no {StudentCheckpoint.ManifestFileName}, so it is not a Distill checkpoint and will not be replaced; choose a new or empty folder");

    public static DistillException CheckpointExists(string folder) =>
        new(DistillErrorKind.InvalidInput,
            $"{folder}: already holds a checkpoint; pass overwrite: true to replace it, or choose another folder");

    // Copying a whole state dict (StateDicts).

    public static DistillException StateDictDoesNotFit(string source, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, string fix) =>
        new(DistillErrorKind.InvalidInput,
            $"{source}: does not fit the model (missing {CountAndSample(missing)}; unexpected {CountAndSample(unexpected)}); {fix}");

    // Weight files (StateDictFiles).

    public static DistillException WeightsFileNotFound(string path) =>
        new(DistillErrorKind.InvalidInput,
            $"{path}: file not found; pass a model.safetensors or pytorch_model.bin file, or the folder holding one");

    public static DistillException LegacyPyTorchFormat(string path) =>
        new(DistillErrorKind.InvalidInput,
            $"{path}: saved in PyTorch's legacy (pre-1.6) format, which Distill cannot read; re-save it with torch.save(state_dict, path) from PyTorch 1.6 or later, or as safetensors");

    public static DistillException UnknownWeightsFormat(string path) =>
        new(DistillErrorKind.InvalidInput,
            $"{path}: neither a safetensors file nor a PyTorch zip file (its first 8 bytes are not a header length); pass model.safetensors or pytorch_model.bin");

    public static DistillException UnreadableSafetensors(string path, Exception error) =>
        new(DistillErrorKind.InvalidInput,
            $"{path}: cannot read it as safetensors ({StudentErrors.FirstLine(error.Message)}); the file is damaged or of another format");

    public static DistillException UnreadablePyTorchStateDict(string path, Exception error) =>
        new(DistillErrorKind.InvalidInput,
            $"{path}: cannot read it as a PyTorch state dict ({StudentErrors.FirstLine(error.Message)}); save the state dict itself with torch.save(model.state_dict(), path), or convert it to safetensors");

    public static DistillException NotATensor(string path, object key, object? value) =>
        new(DistillErrorKind.InvalidInput,
            $"{path}: entry '{key}' is not a tensor ({value?.GetType().Name ?? "null"}), so this is not a plain state dict; save model.state_dict() itself");

    // Hugging Face BERT checkpoints (HuggingFaceBert, HuggingFaceConfig).

    public static DistillException NoBertWeights(string weightsPath, IReadOnlyCollection<string> keys) =>
        new(DistillErrorKind.InvalidInput,
            $"{weightsPath}: none of its {keys.Count} tensors has a BERT weight name (it has {KeyLists.Sample(keys)}); import a BertModel or BertForSequenceClassification checkpoint");

    public static DistillException MissingBertWeights(string weightsPath, IReadOnlyList<string> required) =>
        new(DistillErrorKind.InvalidInput,
            $"{weightsPath}: lacks {required.Count} weights the student needs ({KeyLists.Sample(required)}); the checkpoint has fewer layers or another layout: build the student from its config.json");

    public static DistillException NoConfigBeside(string weights) =>
        new(DistillErrorKind.InvalidInput,
            $"{weights}: no {HuggingFaceBert.ConfigFileName} beside it to read the settings from; put the checkpoint's config.json there, or pass TransformerStudentOptions that match the checkpoint");

    public static DistillException HuggingFaceCheckpointNotFound(string path) =>
        new(DistillErrorKind.InvalidInput,
            $"{path}: not found; pass a Hugging Face checkpoint folder or its {HuggingFaceBert.SafetensorsFileName} or {HuggingFaceBert.PyTorchWeightsFileName}");

    /// <summary>A folder with no weights file; <paramref name="sharded"/> (it has a shard index instead) says why.</summary>
    public static DistillException NoWeightsFile(string path, bool sharded)
    {
        var why = sharded
            ? " (sharded checkpoints are not supported: save it again unsharded, e.g. save_pretrained(max_shard_size=\"10GB\"))"
            : string.Empty;
        return new(DistillErrorKind.InvalidInput,
            $"{path}: holds neither {HuggingFaceBert.SafetensorsFileName} nor {HuggingFaceBert.PyTorchWeightsFileName}{why}; pass the folder of a Hugging Face BERT checkpoint or its weights file");
    }

    public static DistillException ConfigNotFound(string path) =>
        new(DistillErrorKind.InvalidInput,
            $"{path}: file not found; put the checkpoint's config.json there or pass TransformerStudentOptions that match the checkpoint");

    public static DistillException ConfigNotAnObject(string path) =>
        new(DistillErrorKind.InvalidInput, $"{path}: must hold a JSON object (a Hugging Face BertConfig)");

    public static DistillException UnsupportedConfigValue(string path, string key, JsonNode value, string supported, string why) =>
        new(DistillErrorKind.InvalidInput,
            $"{path}: {key} is {value.ToJsonString()}, but only \"{supported}\" is supported: {why}");

    public static DistillException LabelCountsDisagree(string path, int numLabels, int id2LabelCount) =>
        new(DistillErrorKind.InvalidInput,
            $"{path}: num_labels is {numLabels} but id2label names {id2LabelCount} classes; make them agree");

    public static DistillException ConfigUnfit(string path, IEnumerable<string> problems) =>
        new(DistillErrorKind.InvalidInput,
            $"{path}: cannot build a transformer student from it: {string.Join("; ", problems)}");

    public static DistillException BadId2LabelEntry(string path, string key, JsonNode? value) =>
        new(DistillErrorKind.InvalidInput,
            $"{path}: id2label entry \"{key}\": {StudentErrors.Show(value)} must map a class number to a name");

    public static DistillException Id2LabelNotNumbered(string path, IReadOnlyCollection<int> classes) =>
        new(DistillErrorKind.InvalidInput,
            $"{path}: id2label must number its classes 0 to {classes.Count - 1} (was {string.Join(", ", classes)})");

    public static DistillException NotAWholeNumber(string path, string key, JsonNode value) =>
        new(DistillErrorKind.InvalidInput,
            $"{path}: {key} must be a whole number (was {value.ToJsonString()}); fix config.json");

    public static DistillException NotANumber(string path, string key, JsonNode value) =>
        new(DistillErrorKind.InvalidInput,
            $"{path}: {key} must be a number (was {value.ToJsonString()}); fix config.json");

    /// <summary>Names as a JSON-like list: "[a, b, c]".</summary>
    public static string List(IEnumerable<string> items) => "[" + string.Join(", ", items) + "]";

    private static string Sample(IReadOnlyList<string> keys) => keys.Count == 0 ? "none" : KeyLists.Sample(keys);

    private static string CountAndSample(IReadOnlyList<string> keys) => keys.Count == 0 ? "none" : $"{keys.Count}: {KeyLists.Sample(keys)}";
}
