using DataType = Onnx.TensorProto.Types.DataType;

namespace Distill.Teacher;

/// <summary>
/// The names exporters give the inputs Distill can feed (Hugging Face, TensorFlow Hub, fairseq, ONNX model zoo),
/// compared after lower-casing and dropping everything but letters and digits, so that <c>input-ids</c>,
/// <c>InputIds</c> and <c>input_ids:0</c> all match.
/// </summary>
public static class TeacherInputNames
{
    private static readonly Dictionary<string, TeacherInputKind> Known = new(StringComparer.Ordinal)
    {
        ["inputids"] = TeacherInputKind.InputIds,
        ["inputwordids"] = TeacherInputKind.InputIds,
        ["tokenids"] = TeacherInputKind.InputIds,
        ["tokens"] = TeacherInputKind.InputIds,
        ["srctokens"] = TeacherInputKind.InputIds,
        ["ids"] = TeacherInputKind.InputIds,
        ["attentionmask"] = TeacherInputKind.AttentionMask,
        ["inputmask"] = TeacherInputKind.AttentionMask,
        ["attnmask"] = TeacherInputKind.AttentionMask,
        ["mask"] = TeacherInputKind.AttentionMask,
        ["tokentypeids"] = TeacherInputKind.TokenTypeIds,
        ["segmentids"] = TeacherInputKind.TokenTypeIds,
        ["inputtypeids"] = TeacherInputKind.TokenTypeIds,
        ["tokentypes"] = TeacherInputKind.TokenTypeIds,
        ["typeids"] = TeacherInputKind.TokenTypeIds,
        ["segments"] = TeacherInputKind.TokenTypeIds,
        ["features"] = TeacherInputKind.Features,
        ["pixelvalues"] = TeacherInputKind.Features,
        ["images"] = TeacherInputKind.Features,
        ["image"] = TeacherInputKind.Features,
    };

    // Names that say "the input" and nothing more: token ids when the input is integer, features when it is float.
    private static readonly HashSet<string> Generic = new(StringComparer.Ordinal) { "input", "inputs", "x", "input0", "input1" };

    /// <summary>
    /// What an input of this name and element type takes, or null when the name says nothing Distill knows
    /// (bind it with <c>teacher.inputs</c>).
    /// </summary>
    public static TeacherInputKind? Match(string name, DataType elementType)
    {
        // TensorFlow appends the output index ("input_ids:0"); it is not part of the name.
        var colon = name.LastIndexOf(':');
        if (colon > 0 && name[(colon + 1)..].All(char.IsAsciiDigit))
        {
            name = name[..colon];
        }

        var key = new string(name.Where(char.IsAsciiLetterOrDigit).Select(char.ToLowerInvariant).ToArray());
        if (Generic.Contains(key))
        {
            return IsInteger(elementType) ? TeacherInputKind.InputIds : IsFloat(elementType) ? TeacherInputKind.Features : null;
        }

        return Known.TryGetValue(key, out var kind) ? kind : null;
    }

    /// <summary>Whether the element type holds token ids or masks (int64, int32).</summary>
    public static bool IsInteger(DataType type) => type is DataType.Int64 or DataType.Int32;

    /// <summary>Whether the element type holds features (float, float16, double, bfloat16).</summary>
    public static bool IsFloat(DataType type) => type is DataType.Float or DataType.Float16 or DataType.Double or DataType.Bfloat16;

    /// <summary>The name Distill uses for what it feeds, e.g. <c>attention_mask</c>.</summary>
    public static string Of(TeacherInputKind kind) => kind switch
    {
        TeacherInputKind.InputIds => "input_ids",
        TeacherInputKind.AttentionMask => "attention_mask",
        TeacherInputKind.TokenTypeIds => "token_type_ids",
        _ => "features",
    };

    /// <summary>Every kind Distill feeds, in the order its messages list them.</summary>
    public static IReadOnlyList<TeacherInputKind> Kinds { get; } =
        [TeacherInputKind.InputIds, TeacherInputKind.AttentionMask, TeacherInputKind.TokenTypeIds, TeacherInputKind.Features];

    /// <summary>The kind whose Distill name (<see cref="Of"/>) is <paramref name="name"/>, as a recipe's <c>teacher.inputs</c> writes it.</summary>
    public static bool TryParse(string name, out TeacherInputKind kind)
    {
        foreach (var candidate in Kinds)
        {
            if (Of(candidate) == name)
            {
                kind = candidate;
                return true;
            }
        }

        kind = default;
        return false;
    }
}
