using Distill.Teacher.Internal;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Distill.Teacher;

/// <summary>
/// Which model input gets what Distill's encoder produces: token ids, attention mask and token type ids for text, or
/// one float tensor. Every model input must be fed; Distill may have more than the model takes (a model without an
/// attention-mask input simply does not get the mask).
/// </summary>
/// <remarks>
/// Inputs are matched in this order: the user's input map (model input name → kind), which always wins; then
/// common names, compared without case and punctuation (<c>input_ids</c>, <c>input_word_ids</c>, <c>tokens</c>;
/// <c>attention_mask</c>, <c>input_mask</c>, <c>mask</c>; <c>token_type_ids</c>, <c>segment_ids</c>,
/// <c>input_type_ids</c>; <c>features</c>, <c>pixel_values</c>, <c>images</c>; <c>input</c> and <c>x</c> by element
/// type); then, for text, the integer input that indexes the largest embedding table is the token ids, and for
/// features, a model with a single float input gets the features there.
/// A token-type input is optional in practice: when Distill has no segment ids (single texts), it is fed zeros,
/// which is what BERT-family models assume when the input is left out.
/// </remarks>
public sealed class TeacherInputBinding
{
    private TeacherInputBinding(string source, IReadOnlyList<BoundTeacherInput> inputs)
    {
        Source = source;
        Inputs = inputs;
    }

    /// <summary>The teacher these bindings are for, as its inspection names it.</summary>
    public string Source { get; }

    /// <summary>Every model input, in the model's order, with what Distill feeds it.</summary>
    public IReadOnlyList<BoundTeacherInput> Inputs { get; }

    /// <summary>The model input fed <paramref name="kind"/>, or null when the model takes no such input.</summary>
    public BoundTeacherInput? Find(TeacherInputKind kind) => Inputs.FirstOrDefault(i => i.Kind == kind);

    /// <summary>
    /// Binds a text teacher's inputs to token ids, attention mask and token type ids. <paramref name="hasSegmentIds"/>
    /// is false when the encoder has single texts, not pairs: a token-type input is then fed zeros.
    /// <paramref name="inputMap"/> names model inputs whose meaning their name does not say
    /// (e.g. <c>{"mask_1": AttentionMask}</c>); it takes precedence over names.
    /// </summary>
    /// <exception cref="DistillException">A model input cannot be fed, or has the wrong type; the message lists the model's inputs and what Distill has.</exception>
    public static TeacherInputBinding ForText(TeacherInspection teacher, bool hasSegmentIds, IReadOnlyDictionary<string, TeacherInputKind>? inputMap = null) =>
        Bind(teacher, [TeacherInputKind.InputIds, TeacherInputKind.AttentionMask, TeacherInputKind.TokenTypeIds], hasSegmentIds, inputMap);

    /// <summary>Binds a vision or tabular teacher's one input to Distill's float tensor.</summary>
    /// <exception cref="DistillException">The model takes more than one input, or a non-float one, or none can be told apart.</exception>
    public static TeacherInputBinding ForFeatures(TeacherInspection teacher, IReadOnlyDictionary<string, TeacherInputKind>? inputMap = null) =>
        Bind(teacher, [TeacherInputKind.Features], hasSegmentIds: false, inputMap);

    /// <summary>E.g. <c>input_ids ← input_ids, attention_mask ← attention_mask, token_type_ids ← zeros</c>.</summary>
    public override string ToString() => string.Join(", ", Inputs);

    private static TeacherInputBinding Bind(TeacherInspection teacher, TeacherInputKind[] available, bool hasSegmentIds, IReadOnlyDictionary<string, TeacherInputKind>? inputMap)
    {
        ArgumentNullException.ThrowIfNull(teacher);
        var source = teacher.Source;
        var inputs = teacher.Inputs;
        var kinds = new Dictionary<string, TeacherInputKind>(StringComparer.Ordinal);
        var text = available.Contains(TeacherInputKind.InputIds);

        foreach (var (name, kind) in inputMap ?? new Dictionary<string, TeacherInputKind>())
        {
            if (inputs.All(i => i.Name != name))
            {
                throw TeacherErrors.InputMapNamesNoInput(teacher, available, hasSegmentIds, name);
            }

            if (!available.Contains(kind))
            {
                throw TeacherErrors.InputMapKindUnavailable(teacher, available, hasSegmentIds, name, kind);
            }

            if (kinds.FirstOrDefault(k => k.Value == kind).Key is { } other)
            {
                throw TeacherErrors.InputMapKindTwice(teacher, available, hasSegmentIds, kind, other, name);
            }

            kinds[name] = kind;
        }

        // Names next: two inputs that look alike are an error rather than a guess.
        var byName = inputs
            .Where(i => !kinds.ContainsKey(i.Name))
            .Select(i => (i.Name, Kind: TeacherInputNames.Match(i.Name, i.ElementType)))
            .Where(m => m.Kind is { } k && available.Contains(k) && !kinds.ContainsValue(k))
            .GroupBy(m => m.Kind!.Value);
        foreach (var group in byName)
        {
            var names = group.Select(m => m.Name).ToList();
            if (names.Count > 1)
            {
                throw TeacherErrors.InputsLookAlike(teacher, available, hasSegmentIds, group.Key, names);
            }

            kinds[names[0]] = group.Key;
        }

        // Structure last: the token ids index the embedding table; a lone float input is the features.
        if (text && !kinds.ContainsValue(TeacherInputKind.InputIds) && teacher.TokenIdsInput is { } ids && !kinds.ContainsKey(ids))
        {
            kinds[ids] = TeacherInputKind.InputIds;
        }

        var unbound = inputs.Where(i => !kinds.ContainsKey(i.Name)).ToList();
        if (!text && !kinds.ContainsValue(TeacherInputKind.Features) && unbound.Count == 1 && TeacherInputNames.IsFloat(unbound[0].ElementType))
        {
            kinds[unbound[0].Name] = TeacherInputKind.Features;
            unbound.Clear();
        }

        if (unbound.Count > 0)
        {
            throw TeacherErrors.InputsUnfed(teacher, available, hasSegmentIds, unbound);
        }

        var required = text ? TeacherInputKind.InputIds : TeacherInputKind.Features;
        if (!kinds.ContainsValue(required))
        {
            throw TeacherErrors.NoInputTakes(teacher, available, hasSegmentIds, required);
        }

        var bound = inputs.Select(i => new BoundTeacherInput(i, kinds[i.Name], kinds[i.Name] == TeacherInputKind.TokenTypeIds && !hasSegmentIds)).ToList();
        foreach (var input in bound)
        {
            CheckType(input, source);
        }

        return new TeacherInputBinding(source, bound);
    }

    private static void CheckType(BoundTeacherInput bound, string source)
    {
        (string Expected, DataType[] Types, int? Rank) rule = bound.Kind switch
        {
            TeacherInputKind.InputIds or TeacherInputKind.TokenTypeIds => ("int64 or int32 [batch, sequence]", [DataType.Int64, DataType.Int32], 2),
            TeacherInputKind.AttentionMask => ("int64, int32, bool or float [batch, sequence]", [DataType.Int64, DataType.Int32, DataType.Bool, DataType.Float, DataType.Float16], 2),
            _ => ("float, float16 or double", [DataType.Float, DataType.Float16, DataType.Double], null),
        };
        var (expected, types, rank) = rule;
        var input = bound.Input;
        var typeOk = input.ElementType == DataType.Undefined || types.Contains(input.ElementType);
        var rankOk = rank is null || input.Rank is null || input.Rank == rank;
        if (!typeOk || !rankOk)
        {
            throw TeacherErrors.InputTypeMismatch(source, bound, expected);
        }
    }
}
