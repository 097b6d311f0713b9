using Microsoft.ML.OnnxRuntime;

namespace Distill.Teacher;

/// <summary>Binds a teacher's inputs, read from the model, to what Distill feeds.</summary>
public static class TeacherInputRoles
{
    private static readonly Dictionary<string, TeacherInputRole> UsualNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["input_ids"] = TeacherInputRole.InputIds,
        ["attention_mask"] = TeacherInputRole.AttentionMask,
        ["input_mask"] = TeacherInputRole.AttentionMask,
        ["token_type_ids"] = TeacherInputRole.TokenTypeIds,
        ["segment_ids"] = TeacherInputRole.TokenTypeIds,
    };

    /// <summary>
    /// The role of every model input: the user's <paramref name="renames"/> first, then the usual names; a single
    /// float input is the features. An input that cannot be fed is an error listing the model's inputs.
    /// </summary>
    public static IReadOnlyDictionary<string, TeacherInputRole> Bind(
        string model, IReadOnlyDictionary<string, NodeMetadata> inputs, IReadOnlyDictionary<string, TeacherInputRole>? renames)
    {
        var roles = new Dictionary<string, TeacherInputRole>(StringComparer.Ordinal);
        foreach (var (name, metadata) in inputs)
        {
            if (renames is not null && renames.TryGetValue(name, out var chosen))
            {
                roles[name] = chosen;
            }
            else if (UsualNames.TryGetValue(name, out var usual))
            {
                roles[name] = usual;
            }
            else if (metadata.ElementDataType == Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float
                     && inputs.Count(i => i.Value.ElementDataType == Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float) == 1)
            {
                roles[name] = TeacherInputRole.Features;
            }
            else
            {
                var described = string.Join(", ", inputs.Select(i => $"{i.Key} ({i.Value.ElementDataType})"));
                throw new DistillException(DistillErrorKind.InvalidInput,
                    $"{model}: cannot feed input '{name}'; the model's inputs are {described}, and Distill has input_ids, " +
                    "attention_mask, token_type_ids or one float tensor; map the input to one of those (teacher.inputs)");
            }
        }

        return roles;
    }
}
