using Distill.Losses;

namespace Distill.Training.Internal;

/// <summary>
/// The errors of a training run, each one line that names the stage and loss term, row or setting, what was seen and
/// what to do. All are <see cref="DistillErrorKind.InvalidInput"/> (exit code 2): the settings, the data or the teacher
/// cache do not fit together, and nothing will change until the user changes them. A run that starts and diverges is
/// a <see cref="TrainingDivergedException"/> instead.
/// </summary>
internal static class TrainingErrors
{
    /// <summary>Every error of the trainer's settings or data at once, joined by "; ".</summary>
    public static DistillException InvalidRun(IEnumerable<string> errors) =>
        new(DistillErrorKind.InvalidInput, string.Join("; ", errors));

    public static DistillException CacheLacksRow(string source, long rowId, int augmentationId) =>
        new(DistillErrorKind.InvalidInput,
            $"{source} has no row {rowId} (augmentation {augmentationId}) of the training set; build the cache from the same transfer set");

    public static DistillException EnsembleLacksRow(string source, long rowId, int augmentationId) =>
        new(DistillErrorKind.InvalidInput,
            $"{source} has no row {rowId} (augmentation {augmentationId}) of the training set; build the caches from the same transfer set");

    public static DistillException LogitRowCount(int rows, int examples) =>
        new(DistillErrorKind.InvalidInput,
            $"teacher logits: {rows} rows given for {examples} training examples; give one row per example, in order");

    public static DistillException LogitRowWidths(IEnumerable<int> widths) =>
        new(DistillErrorKind.InvalidInput, $"teacher logits: rows have {string.Join(" and ", widths)} values; every row needs one per class");

    public static DistillException TermNeedsTeacher(string stage, string loss, string tensor) =>
        new(DistillErrorKind.InvalidInput,
            $"{Term(stage, loss)}: needs the teacher's {tensor}, but the run has no teacher; give a teacher cache, or train on labels only (ce)");

    public static DistillException TermNeedsTeacherTensor(string stage, string loss, string tensor, string source, IEnumerable<string> held) =>
        new(DistillErrorKind.InvalidInput,
            $"{Term(stage, loss)}: needs the teacher's '{tensor}', which {source} does not hold (it has {string.Join(", ", held)}); " +
            "add it to the cached tensors (attention layers, hidden states) and build the cache again");

    /// <param name="source">The teacher targets, or null when the run has none.</param>
    public static DistillException TeacherLayersUnknown(string stage, string loss, string? source) =>
        new(DistillErrorKind.InvalidInput,
            $"{Term(stage, loss)}: maps student layers to teacher layers, but {source ?? "the run"} does not say how many layers the teacher has; build the cache with this Distill");

    public static DistillException TermNeedsTransformerStudent(string stage, string loss, string what, string architecture) =>
        new(DistillErrorKind.InvalidInput,
            $"{Term(stage, loss)}: needs the student's {what}, which a {architecture} student does not have; use it with a transformer student");

    public static DistillException TermNeedsImageCnnStudent(string stage, string loss, string architecture) =>
        new(DistillErrorKind.InvalidInput,
            $"{Term(stage, loss)}: needs the student's feature maps, which a {architecture} student does not have; use it with an image_cnn student");

    public static DistillException TeacherGivesProbabilities(string stage, string loss, string source) =>
        new(DistillErrorKind.InvalidInput,
            $"{Term(stage, loss)}: {source} gives probabilities, not logits; set teacher_probabilities: true");

    public static DistillException AttentionScoresNotCached(string stage, string loss) =>
        new(DistillErrorKind.InvalidInput,
            $"{Term(stage, loss)}: compares attention scores, but teacher caches hold attention probabilities (the Softmax outputs); set attention: probabilities");

    public static DistillException ValueVectorsNotCached(string stage, string loss) =>
        new(DistillErrorKind.InvalidInput,
            $"{Term(stage, loss)}: needs the teacher's value vectors, which teacher caches do not hold; use attention_kl for MiniLM's attention transfer");

    public static DistillException StageNeedsLabels(string stage) =>
        new(DistillErrorKind.InvalidInput,
            $"stage '{stage}': its terms need labels (ce, dkd) but no training row has one; add labelled rows or use teacher terms only");

    public static DistillException StageNeedsBlockwise(string stage) =>
        new(DistillErrorKind.InvalidInput,
            $"stage '{stage}': blockwise_logit needs the teacher as a frozen TorchSharp module; give the trainer a BlockwiseDistillation");

    public static DistillException TokenCountsDiffer(long rowId, int teacherLength, int studentLength) =>
        new(DistillErrorKind.InvalidInput,
            $"training row {rowId}: the teacher saw {teacherLength} tokens, the student {studentLength}; " +
            "attention and hidden-state terms compare tokens, so the student must use the teacher's vocabulary and maximum length (or use logit terms only)");

    public static DistillException RowWithoutFeatures(long rowId) =>
        new(DistillErrorKind.InvalidInput, $"row {rowId} has no features while others do");

    public static DistillException RowWithoutText(long rowId) =>
        new(DistillErrorKind.InvalidInput, $"row {rowId} has no text while others do");

    public static DistillException EvaluationRowWithoutLabel(long rowId) =>
        new(DistillErrorKind.InvalidInput, $"evaluation: row {rowId} has no label; the dev set must be labelled");

    public static DistillException BlockwiseVocabSize(int student, int teacher) =>
        Blockwise(
            $"the student's vocab_size ({student}) differs from the teacher's ({teacher}); the paths feed the student's tokens to the teacher's layers, so both need the teacher's tokenizer: set the student's vocab_size to {teacher}");

    public static DistillException BlockwiseNumLabels(int student, int teacher) =>
        Blockwise(
            $"the student has {student} labels and the teacher {teacher}; the paths end in the teacher's classifier and are compared with the student's logits: set the student's num_labels to {teacher}");

    /// <summary>The layer map refused the layer counts; its message says why.</summary>
    public static DistillException BlockwiseLayerMap(ArgumentException error) =>
        Blockwise(error.Message, error);

    public static DistillException BlockwiseNoBlocks(LayerMap map, int studentLayers, int teacherLayers) =>
        Blockwise($"layer map {map} gives no block for a student of {studentLayers} layers and a teacher of {teacherLayers}; use uniform");

    public static DistillException BlockwiseLayersNotIncreasing(LayerMap map, (int Student, int Teacher) later, (int Student, int Teacher) earlier) =>
        Blockwise(
            $"layer map {map} sends student layer {later.Student} to teacher layer {later.Teacher}, before teacher layer {earlier.Teacher} of student layer {earlier.Student}; paths must go deeper as the student's blocks do: map student layers to teacher layers in increasing order, or use uniform");

    private static string Term(string stage, string loss) => $"stage '{stage}', loss '{loss}'";

    private static DistillException Blockwise(string message, Exception? inner = null) =>
        new(DistillErrorKind.InvalidInput, "blockwise distillation: " + message, inner);
}
