using System.Globalization;
using Distill.Students;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Onnx;

namespace Distill.Teacher.Internal;

/// <summary>
/// The errors of reading, inspecting, importing and running an ONNX teacher, each one line that names the model file
/// (or the graph), the input, output, tensor or tap, what was seen and what to do. All are
/// <see cref="DistillErrorKind.InvalidInput"/> (exit code 2): the model or the settings must change before a run can
/// work.
/// </summary>
internal static class TeacherErrors
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static DistillException ModelFileNotFound(string path) =>
        new(DistillErrorKind.InvalidInput, $"{path}: file not found; pass the teacher's .onnx file");

    public static DistillException NoGraph(string source) =>
        new(DistillErrorKind.InvalidInput, $"{source}: the model has no graph; pass the teacher's .onnx file");

    public static DistillException NotOnnx(string path, Google.Protobuf.InvalidProtocolBufferException error) =>
        new(DistillErrorKind.InvalidInput, $"{path}: not a readable ONNX model ({error.Message}); pass the teacher's .onnx file", error);

    public static DistillException CannotLoad(string path, OnnxRuntimeException error) =>
        new(DistillErrorKind.InvalidInput, $"{path}: ONNX Runtime cannot load the teacher ({error.Message.Split('\n')[0]})", error);

    public static DistillException NoLogitsOutput(string path, IEnumerable<TeacherTensorInfo> outputs) =>
        new(DistillErrorKind.InvalidInput,
            $"{path}: no output is recognisable as logits (none is named 'logits' or is the single rank-2 float output); the outputs are {string.Join(", ", outputs.Select(o => o.Name))}");

    public static DistillException OutputNotFloat(string path, string output, TensorElementType type) =>
        new(DistillErrorKind.InvalidInput, $"{path}: output '{output}' is {type}; Distill caches float outputs");

    public static DistillException BatchLacksInput(string path, BoundTeacherInput input, string what) =>
        new(DistillErrorKind.InvalidInput, $"{path}: input '{input.Input.Name}' needs {what}, which this batch does not have");

    // "teacher.onnx: attention layer 4 and hidden state 6 do not exist; the teacher has attention layers 0–3 and
    // hidden states 0–4 (0 = embedding output, i = output of layer i − 1); choose among those"
    public static DistillException NoSuchTaps(TeacherInspection inspection, IReadOnlyList<int> attention, IReadOnlyList<int> hidden)
    {
        var asked = new List<string>();
        if (attention.Count > 0)
        {
            asked.Add($"attention layer{(attention.Count > 1 ? "s" : "")} {TapIndexes.Describe(attention)}");
        }

        if (hidden.Count > 0)
        {
            asked.Add($"hidden state{(hidden.Count > 1 ? "s" : "")} {TapIndexes.Describe(hidden)}");
        }

        var verb = attention.Count + hidden.Count > 1 ? "do" : "does";
        if (inspection.Layers.Count == 0)
        {
            return new(DistillErrorKind.InvalidInput,
                $"{inspection.Source}: {string.Join(" and ", asked)} {verb} not exist; the teacher has no attention layers "
                + "(no attention Softmax of Q·Kᵀ that feeds a MatMul with V: not a transformer, or its attention is fused into one op); "
                + "use a transformer teacher or drop the attention and hidden-state losses");
        }

        var layers = inspection.AttentionProbabilities.Select(t => t.Index).ToList();
        var states = inspection.HiddenStates.Select(t => t.Index).ToList();
        var has = new List<string> { $"attention layer{(layers.Count > 1 ? "s" : "")} {TapIndexes.Describe(layers)}" };
        has.Add(states.Count == 0
            ? "no hidden states (no LayerNorm on the residual path after the attention)"
            : $"hidden state{(states.Count > 1 ? "s" : "")} {TapIndexes.Describe(states)} (0 = embedding output, i = output of layer i − 1)");
        return new(DistillErrorKind.InvalidInput,
            $"{inspection.Source}: {string.Join(" and ", asked)} {verb} not exist; the teacher has {string.Join(" and ", has)}; choose among those");
    }

    public static DistillException TapNotAdded(string path, TeacherTapKind kind, int index) =>
        new(DistillErrorKind.InvalidInput, $"{path}: the {kind} tap {index} was not added; list it in the teacher's attention layers or hidden states");

    public static DistillException FeatureMapMissing(string path, int stage, int count) =>
        new(DistillErrorKind.InvalidInput, count == 0
            ? $"{path}: feature map {stage} does not exist; the teacher has no CNN feature maps (distill inspect lists what it has)"
            : $"{path}: feature map {stage} does not exist; the teacher has feature maps 0 to {count - 1} (distill inspect lists them)");

    public static DistillException FeatureMapNotAdded(string path, int stage) =>
        new(DistillErrorKind.InvalidInput, $"{path}: feature map {stage} was not added; list it in the teacher's feature maps");

    public static DistillException TapNotFromThisModel(string source, string tensor, string what) =>
        new(DistillErrorKind.InvalidInput,
            $"{source}: {what} names tensor '{tensor}', which no node of this model computes; take taps from TeacherGraph.Inspect of the same model");

    public static DistillException TensorNotComputed(string source, string tensor) =>
        new(DistillErrorKind.InvalidInput,
            $"{source}: no node of this model computes tensor '{tensor}'; name a tensor that a node computes (graph inputs and weights cannot be tapped)");

    public static DistillException NoTokenIdsForHiddenRows(string source, TeacherTap tap) =>
        new(DistillErrorKind.InvalidInput,
            $"{source}: {tap.Label} is computed as [batch·sequence, hidden] rows, and the model has no token-id input to take [batch, sequence] from; tap the hidden state after the model reshapes it");

    public static DistillException InputMapNamesNoInput(TeacherInspection teacher, TeacherInputKind[] available, bool hasSegmentIds, string name) =>
        CannotBind(teacher, available, hasSegmentIds, $"the input map names '{name}', which is not a model input", "map the model's own input names");

    public static DistillException InputMapKindUnavailable(TeacherInspection teacher, TeacherInputKind[] available, bool hasSegmentIds, string name, TeacherInputKind kind) =>
        CannotBind(teacher, available, hasSegmentIds,
            $"the input map feeds model input '{name}' {TeacherInputNames.Of(kind)}, which Distill does not have for this teacher",
            $"map it to one of {string.Join(", ", available.Select(TeacherInputNames.Of))}");

    public static DistillException InputMapKindTwice(TeacherInspection teacher, TeacherInputKind[] available, bool hasSegmentIds, TeacherInputKind kind, string first, string second) =>
        CannotBind(teacher, available, hasSegmentIds, $"the input map feeds {TeacherInputNames.Of(kind)} to both '{first}' and '{second}'", "map each kind to one model input");

    public static DistillException InputsLookAlike(TeacherInspection teacher, TeacherInputKind[] available, bool hasSegmentIds, TeacherInputKind kind, IReadOnlyList<string> names) =>
        CannotBind(teacher, available, hasSegmentIds,
            $"model inputs {string.Join(" and ", names.Select(n => $"'{n}'"))} both look like {TeacherInputNames.Of(kind)}",
            $"say which one is in the input map (e.g. {names[0]}: {kind})");

    public static DistillException InputsUnfed(TeacherInspection teacher, TeacherInputKind[] available, bool hasSegmentIds, IReadOnlyList<TeacherTensorInfo> unbound)
    {
        var list = string.Join(", ", unbound.Select(i => $"'{i.Name}' ({i.Describe()})"));
        var either = available.Length == 1 ? $"{available[0]}" : $"{string.Join(", ", available[..^1])} or {available[^1]}";
        return CannotBind(teacher, available, hasSegmentIds, $"cannot feed model input{(unbound.Count > 1 ? "s" : "")} {list}",
            $"map {(unbound.Count > 1 ? "them" : "it")} to {either} in the input map, or use a teacher that takes {(IsText(available) ? "text" : "one float tensor")}");
    }

    public static DistillException NoInputTakes(TeacherInspection teacher, TeacherInputKind[] available, bool hasSegmentIds, TeacherInputKind required) =>
        CannotBind(teacher, available, hasSegmentIds, $"no model input takes {TeacherInputNames.Of(required)}",
            $"map the input that does in the input map (e.g. {teacher.Inputs.FirstOrDefault()?.Name ?? "input"}: {required})");

    public static DistillException InputTypeMismatch(string source, BoundTeacherInput bound, string expected) =>
        new(DistillErrorKind.InvalidInput,
            $"{source}: Schema mismatch for model input '{bound.Input.Name}' (fed {TeacherInputNames.Of(bound.Kind)}): expected {expected}, got {bound.Input.Describe()}; map the input to what it holds in the input map");

    public static DistillException NotBertLayout(string source, NodeProto? node, string reason)
    {
        var at = node is null ? string.Empty : $" at node '{(node.Name.Length > 0 ? node.Name : node.Output.FirstOrDefault() ?? "?")}' ({node.OpType})";
        return new(DistillErrorKind.InvalidInput,
            $"{source}: cannot map the graph onto a BERT-layout encoder{at}: {reason}; Distill imports post-LayerNorm BERT-family encoders " +
            "(BERT, MiniLM, TinyBERT) from ONNX; load other teachers from a checkpoint (model.safetensors with its config.json)");
    }

    public static DistillException InvalidImportedTransformer(string onnxPath, IEnumerable<string> errors) =>
        new(DistillErrorKind.InvalidInput, $"{onnxPath}: its weights describe an invalid transformer: {string.Join("; ", errors)}");

    public static DistillException ImportedWeightShape(string source, string key, long[] weightShape, long[] parameterShape) =>
        new(DistillErrorKind.InvalidInput,
            $"{source}: the graph's weight for {key} is [{string.Join(", ", weightShape)}] but the layout it shows needs [{string.Join(", ", parameterShape)}]; the graph is not a BERT-layout encoder");

    public static DistillException ImportCannotFeed(string source, string input) =>
        new(DistillErrorKind.InvalidInput,
            $"{source}: cannot check the import: Distill does not know what to feed input '{input}' (it feeds token ids, attention mask and token type ids)");

    public static DistillException ImportParityExceeded(string source, double largest, double tolerance, IReadOnlyList<double> hidden, double? logits)
    {
        // Where the two part is where the graph computes something else; the largest difference is usually further
        // on, where the first one has grown through the layers.
        var first = hidden.ToList().FindIndex(d => !(d <= tolerance));
        var where = first < 0 ? "the logits" : first == 0 ? "the embeddings' output" : $"layer {first - 1}'s output";
        return new(DistillErrorKind.InvalidInput, string.Create(Invariant,
            $"{source}: the imported module does not reproduce the graph: parity {largest:G3} exceeds {tolerance:G3}, first at {where} " +
            $"(per hidden state: {string.Join(", ", hidden.Select(d => d.ToString("G3", Invariant)))}") +
            (logits is { } differing ? string.Create(Invariant, $"; logits: {differing:G3}") : string.Empty) + "); " +
            "the graph computes something the BERT layout does not (another position scheme, pre-LayerNorm layers, another mask)");
    }

    public static DistillException LabelsMetadataInvalid(string source, int numLabels, string value) =>
        new(DistillErrorKind.InvalidInput,
            $"{source}: metadata {OnnxMetadataKeys.Labels} must be a JSON array of {numLabels} names, one per logit (was {value}); fix or remove it");

    public static DistillException InitializerDamaged(string source, TensorProto initializer, int values) =>
        new(DistillErrorKind.InvalidInput,
            $"{source}: initializer {initializer.Name} has {values} values for shape [{string.Join(", ", initializer.Dims)}]; the model file is damaged: export it again");

    public static DistillException ExternalDataWithoutLocation(string source, TensorProto initializer) =>
        new(DistillErrorKind.InvalidInput, $"{source}: initializer {initializer.Name} is stored externally but names no location; export the model again");

    public static DistillException ExternalDataMissing(string source, TensorProto initializer, string path) =>
        new(DistillErrorKind.InvalidInput,
            $"{source}: initializer {initializer.Name} is stored in {path}, which is not there; keep the model's external data files beside it");

    // Every binding error has the same frame: what went wrong, what the model takes, what Distill has, and the fix.
    private static DistillException CannotBind(TeacherInspection teacher, TeacherInputKind[] available, bool hasSegmentIds, string what, string fix)
    {
        var takes = $"the model takes {string.Join(", ", teacher.Inputs.Select(i => i.ToString()))}";
        var has = IsText(available)
            ? $"Distill has {string.Join(", ", available.Select(TeacherInputNames.Of))}{(hasSegmentIds ? "" : " (token_type_ids as zeros: single texts)")}"
            : "Distill has one float tensor (features)";
        return new(DistillErrorKind.InvalidInput, $"{teacher.Source}: {what}; {takes}; {has}; {fix}");
    }

    private static bool IsText(TeacherInputKind[] available) => available.Contains(TeacherInputKind.InputIds);
}
