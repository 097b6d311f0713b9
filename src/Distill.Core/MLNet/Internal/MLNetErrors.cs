using System.Text.Json;
using System.Text.Json.Nodes;
using Distill.Students.Checkpoints;
using Distill.Teacher;

namespace Distill.MLNet.Internal;

/// <summary>
/// The errors of Distill's ML.NET estimators, transformers and saved models, each one line that names the option,
/// column, row or file, the value seen and what to do. All are <see cref="DistillErrorKind.InvalidInput"/> (exit code
/// 2: the options, the data or the saved model must change first). Schema errors keep ML.NET's own wording and type
/// and come from <see cref="SchemaErrors"/> instead.
/// </summary>
internal static class MLNetErrors
{
    /// <summary>Every error of an options record at once, e.g. "Invalid tokenizer settings: a; b".</summary>
    public static DistillException InvalidSettings(string what, IEnumerable<string> errors) =>
        new(DistillErrorKind.InvalidInput, $"Invalid {what} settings: {string.Join("; ", errors)}");

    public static DistillException TokenColumnLength(long row, string column, int items, string idsColumn, int ids) =>
        AtRow(row, $"column '{column}' has {items} items but '{idsColumn}' has {ids}; give every token column one item per token");

    public static DistillException TokenIdOutsideVocabulary(long row, long id, string column, long vocabulary) =>
        AtRow(row, $"token id {id} in column '{column}' is outside the student's vocabulary (vocab_size {vocabulary}); " +
                   "set the student's VocabSize to the tokenizer vocabulary's size");

    public static DistillException TooManyTokens(long row, int tokens, string column, long positions) =>
        AtRow(row, $"{tokens} tokens in column '{column}' but the transformer student has max_positions {positions}; " +
                   $"tokenize with MaxLength <= {positions}, or raise MaxPositions");

    public static DistillException SegmentIdOutside(long row, long id, string column, long segments) =>
        AtRow(row, $"segment id {id} in column '{column}' is outside the student's type_vocab_size {segments}; use 0 and 1 for sentence pairs");

    public static DistillException LogitNotFinite(long row, string column) =>
        AtRow(row, $"column '{column}' holds a value that is not finite; check the teacher's outputs");

    public static DistillException LabelKeyValueCount(string column, int keyValues, int keys) =>
        new(DistillErrorKind.InvalidInput,
            $"label column '{column}' has {keyValues} key values for {keys} keys; map the labels with MapValueToKey again");

    /// <param name="key">The key, from 1.</param>
    public static DistillException EmptyLabelName(string column, int key) =>
        new(DistillErrorKind.InvalidInput,
            $"label column '{column}': key {key} has an empty label name; give every class a name (drop rows with empty labels before MapValueToKey)");

    public static DistillException RepeatedLabelName(string column, string name, int times) =>
        new(DistillErrorKind.InvalidInput,
            $"label column '{column}': the key values read '{name}' {times} times as text; give each class a name of its own");

    public static DistillException TeacherClassCountUnknown(string teacherPath, string logitsOutput) =>
        new(DistillErrorKind.InvalidInput,
            $"{teacherPath}: the logits output '{logitsOutput}' does not declare its class count and the input's shape is not fixed, " +
            "so Distill cannot tell the size of the logits column; export the teacher with a fixed class dimension");

    public static DistillException TeacherProbeShape(string teacherPath, string logitsOutput, long[] dims) =>
        new(DistillErrorKind.InvalidInput,
            $"{teacherPath}: the logits output '{logitsOutput}' has shape [{string.Join(", ", dims)}] for one row; Distill needs [rows, classes]");

    public static DistillException TeacherLogitsShape(string teacherPath, string logitsOutput, long[] dims, int rows, int classes) =>
        new(DistillErrorKind.InvalidInput,
            $"{teacherPath}: the logits output '{logitsOutput}' gave shape [{string.Join(", ", dims)}] for {rows} rows; expected [{rows}, {classes}]");

    public static DistillException BadInputMapKind(string folder, string key, JsonNode? value) =>
        new(DistillErrorKind.InvalidInput,
            $"{folder}: settings.input_map.{key} must be one of {string.Join(", ", Enum.GetNames<TeacherInputKind>())} (was {value?.ToJsonString()}); save the model again");

    /// <param name="value">The saved value, or null when the key is missing.</param>
    public static DistillException BadSetting(string path, string key, string expected, JsonNode? value) =>
        new(DistillErrorKind.InvalidInput,
            $"{path}: settings.{key} must be {expected} (was {value?.ToJsonString() ?? "missing"}); the file is damaged or was edited: save the model again");

    public static DistillException SettingDiffers(string path, string key, string saved, string actual, string fix) =>
        new(DistillErrorKind.InvalidInput, $"{path}: settings.{key} is {saved} but the file gives {actual}; {fix}");

    public static DistillException NoManifest(string folder) =>
        new(DistillErrorKind.InvalidInput,
            $"{folder}: has no {DistillModel.ManifestFileName}, so it is not a model saved by DistillModel.Save; pass the folder Save wrote");

    public static DistillException ModelFolderNotFound(string folder) =>
        new(DistillErrorKind.InvalidInput, $"{folder}: folder not found; pass the folder DistillModel.Save wrote");

    public static DistillException ManifestNotAnObject(string path) =>
        new(DistillErrorKind.InvalidInput, $"{path}: must hold a JSON object; save the model again");

    /// <summary>The manifest does not parse; only the parser's message is kept, as the user can do nothing with its stack.</summary>
    public static DistillException ManifestNotJson(string path, JsonException error) =>
        new(DistillErrorKind.InvalidInput, $"{path}: not valid JSON ({error.Message}); save the model again", error);

    /// <param name="format">The saved format as JSON, or null when it is missing.</param>
    public static DistillException ManifestFormat(string path, string? format) =>
        new(DistillErrorKind.InvalidInput,
            $"{path}: format is {format ?? "missing"}, not \"{DistillModel.FormatName}\"; this JSON is not a saved Distill ML.NET model");

    /// <param name="version">The saved format_version, or null when it is missing.</param>
    /// <param name="writtenBy">The saved distill_version, or null when it is missing.</param>
    public static DistillException ManifestFormatVersion(string path, JsonNode? version, string? writtenBy) =>
        new(DistillErrorKind.InvalidInput,
            $"{path}: format_version {version?.ToJsonString() ?? "missing"} is not supported (this Distill, {StudentCheckpoint.DistillVersion}, reads version {DistillModel.FormatVersion}); " +
            $"load it with the Distill that wrote it ({writtenBy ?? "unknown"}) or save it again with this one");

    public static DistillException ManifestSettingsNotAnObject(string path) =>
        new(DistillErrorKind.InvalidInput, $"{path}: settings must be an object; save the model again");

    public static DistillException UnknownTransformer(string path, string? kind, IEnumerable<string> known) =>
        new(DistillErrorKind.InvalidInput,
            $"{path}: unknown transformer '{kind}' (known: {string.Join(", ", known)}); it was written by a newer Distill or edited by hand");

    public static DistillException NotSaveable(Type model) =>
        new(DistillErrorKind.InvalidInput,
            $"{model.Name} is neither a Distill transformer nor a chain of transformers; save ML.NET models with mlContext.Model.Save");

    /// <summary>ML.NET could not save part <paramref name="index"/> of a chain; the first line of its message says why.</summary>
    public static DistillException ChainPartNotSaveable(int index, Type part, Exception error) =>
        new(DistillErrorKind.InvalidInput,
            $"transformer {index} of the chain ({part.Name}) cannot be saved by ML.NET ({error.Message.Split('\n')[0]}); save a chain of saveable transformers", error);

    public static DistillException ChainPartWithoutPath(string folder) =>
        new(DistillErrorKind.InvalidInput, $"{folder}: a chain part has no path; save the model again");

    public static DistillException ChainPartMissing(string path) =>
        new(DistillErrorKind.InvalidInput,
            $"{path}: file not found, though {DistillModel.ManifestFileName} lists it; restore it or save the model again");

    public static DistillException UnknownChainPart(string folder, string? kind) =>
        new(DistillErrorKind.InvalidInput, $"{folder}: chain part '{kind}' is neither distill nor mlnet; save the model again");

    public static DistillException ModelPathIsFile(string folder) =>
        new(DistillErrorKind.InvalidInput, $"{folder}: is a file, not a folder; choose a folder path for the model");

    public static DistillException FolderNotAModel(string folder) =>
        new(DistillErrorKind.InvalidInput,
            $"{folder}: holds files but no {DistillModel.ManifestFileName}, so it is not a saved model and will not be replaced; choose a new or empty folder");

    public static DistillException ModelExists(string folder) =>
        new(DistillErrorKind.InvalidInput, $"{folder}: already holds a saved model; pass overwrite: true to replace it, or choose another folder");

    private static DistillException AtRow(long row, string message) =>
        new(DistillErrorKind.InvalidInput, $"row {row}: {message}");
}
