using System.Text.Json;
using System.Text.Json.Nodes;

namespace Distill.Students.Internal;

/// <summary>
/// The errors of student settings and of moving weights into a student, each one line that names the source, the
/// setting or tensor, the value seen and what to do. All are <see cref="DistillErrorKind.InvalidInput"/> (exit code 2:
/// nothing will change until the user gives other settings or weights). Checkpoint files have their own,
/// <c>CheckpointErrors</c> in <c>Students/Checkpoints/Internal</c>.
/// </summary>
internal static class StudentErrors
{
    public static DistillException InvalidSettings(IEnumerable<string> problems) =>
        new(DistillErrorKind.InvalidInput, "Invalid student settings: " + string.Join("; ", problems));

    /// <summary>JSON that does not parse; <paramref name="fix"/>, when given, ends the message.</summary>
    public static DistillException NotJson(string source, JsonException error, string? fix = null) =>
        new(DistillErrorKind.InvalidInput, fix is null
            ? $"{source}: not valid JSON ({error.Message})"
            : $"{source}: not valid JSON ({error.Message}); {fix}", error);

    public static DistillException SettingsNotAnObject(string source, JsonNode? node) =>
        new(DistillErrorKind.InvalidInput, $"{source}: must be a JSON object with an \"architecture\" (was {Show(node)})");

    public static DistillException ArchitectureMissing(string source, JsonNode? node, IEnumerable<string> known) =>
        new(DistillErrorKind.InvalidInput,
            $"{source}: architecture is missing or not a string (was {Show(node)}); set it to one of {string.Join(", ", known)}");

    public static DistillException UnknownArchitecture(string source, string architecture, IEnumerable<string> known) =>
        new(DistillErrorKind.InvalidInput,
            $"{source}: unknown architecture '{architecture}' (known: {string.Join(", ", known)}); it was written by a newer Distill or edited by hand");

    // error.Path is "$.hidden" and the like: enough to find the setting.
    public static DistillException SettingOfWrongType(string source, JsonException error) =>
        new(DistillErrorKind.InvalidInput,
            $"{source}: setting {error.Path?.TrimStart('$', '.')} has a value of the wrong type ({FirstLine(error.Message)}); write a value of the setting's type", error);

    public static DistillException InvalidSettingsIn(string source, IEnumerable<string> problems) =>
        new(DistillErrorKind.InvalidInput, $"{source}: invalid settings: {string.Join("; ", problems)}");

    public static DistillException NoLayersChosen(int teacherLayers) =>
        new(DistillErrorKind.InvalidInput,
            $"layers is empty; choose at least one of the teacher's {teacherLayers} layers (0 to {teacherLayers - 1}), e.g. every other one: " +
            $"[{string.Join(", ", TransformerLayerSelection.EveryOtherLayer(teacherLayers))}]");

    public static DistillException BadLayers(IEnumerable<string> problems, IEnumerable<int> layers) =>
        new(DistillErrorKind.InvalidInput, $"{string.Join("; ", problems)}; layers were [{string.Join(", ", layers)}]");

    public static DistillException WidthSelectionUnfit(TransformerStudentOptions target, TransformerStudentOptions source, IEnumerable<string> problems) =>
        new(DistillErrorKind.InvalidInput,
            $"cannot select a student of {Describe(target)} from a model of {Describe(source)}: {string.Join("; ", problems)}");

    public static DistillException SameWeightTwice(string source, string firstKey, string secondKey, string modelKey) =>
        new(DistillErrorKind.InvalidInput, $"{source}: holds both {firstKey} and {secondKey}, which are the same weight ({modelKey}); keep one of them");

    /// <summary>Tensors whose shape or dtype differs from the model's: names the first of <paramref name="mismatches"/>
    /// and counts the rest; <paramref name="fix"/> ends the message.</summary>
    public static DistillException TensorsDiffer(string source, IReadOnlyList<string> mismatches, string fix)
    {
        var more = mismatches.Count > 1 ? $" (and {mismatches.Count - 1} more tensors differ)" : string.Empty;
        return new(DistillErrorKind.InvalidInput, $"{source}: {mismatches[0]}{more}; {fix}");
    }

    /// <summary>The first line of a message: serializer and unpickler errors can run over several.</summary>
    public static string FirstLine(string message) => message.Split('\n')[0].Trim();

    /// <summary>A JSON value as it is written, or "null" when it is absent.</summary>
    public static string Show(JsonNode? node) => node is null ? "null" : node.ToJsonString();

    private static string Describe(TransformerStudentOptions o) => $"{o.Layers} layers, hidden {o.Hidden}, {o.Heads} heads, intermediate {o.Intermediate}";
}
