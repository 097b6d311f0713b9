using System.Text.Json.Nodes;
using Distill.Evaluation;
using Distill.MLNet.Internal;
using Distill.Students;
using Distill.Students.Checkpoints;
using Distill.Training;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Distill.MLNet;

/// <summary>
/// A trained student as an ML.NET transformer. It reads the student's inputs (token columns, or a float vector) and
/// adds:
/// <list type="bullet">
/// <item><c>Score</c>: the class probabilities (softmax of the logits), <c>Vector&lt;Single, classes&gt;</c>, with the
/// label names as slot names;</item>
/// <item><c>PredictedLabel</c>: the most probable class, a key whose key values are the label names (as text);</item>
/// <item>for two classes also <c>BinaryScore</c> (log-odds of the second label), <c>Probability</c> (its probability)
/// and <c>BinaryPredictedLabel</c> (a Boolean).</item>
/// </list>
/// So <c>mlContext.MulticlassClassification.Evaluate(scored, "Label", "Score", "PredictedLabel")</c> works on its
/// output, and for two classes
/// <c>mlContext.BinaryClassification.Evaluate(scored, "Label", "BinaryScore", "Probability", "BinaryPredictedLabel")</c>,
/// where the label is the key column the student was trained on (key value 2, the second label, is the positive
/// class). Rows are scored 64 at a time when a data view is transformed, one at a time in a <c>PredictionEngine</c>.
/// Saved as a student checkpoint by <see cref="DistillModel.Save"/>.
/// </summary>
public sealed class StudentPredictionTransformer : DistillTransformer
{
    internal const string KindName = "student";
    internal const string CheckpointFolderName = "student";
    private const int ScoringBatchSize = 64;

    private readonly StudentColumns _columns;
    private readonly object _lock = new();

    internal StudentPredictionTransformer(StudentModel student, IReadOnlyList<string> labels, StudentColumns columns, TrainingResult? training)
    {
        Student = student;
        Labels = labels;
        _columns = columns;
        Training = training;
    }

    /// <summary>The trained student, in evaluation mode. Dispose it to release its tensors at once when the model is no longer used.</summary>
    public StudentModel Student { get; }

    /// <summary>The class names, in label-id order (the key values of the label column it was trained on).</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>What training did (steps, metrics log, checkpoints); null for a transformer loaded by <see cref="DistillModel.Load"/>.</summary>
    public TrainingResult? Training { get; }

    /// <summary>The token-ids column read (text students).</summary>
    public string InputIdsColumnName => _columns.InputIds;

    /// <summary>The attention-mask column read when the input has it (text students).</summary>
    public string AttentionMaskColumnName => _columns.AttentionMask;

    /// <summary>The segment-ids column read when the input has it (text students).</summary>
    public string TokenTypeIdsColumnName => _columns.TokenTypeIds;

    /// <summary>The features column read (MLP and image CNN students).</summary>
    public string FeatureColumnName => _columns.Features;

    internal override string Kind => KindName;

    internal override void Release() => Student.Dispose();

    internal override IBoundMapping Bind(DataViewSchema inputSchema)
    {
        _columns.Check(InputColumns.Of(inputSchema), Student.Options, nameof(StudentTrainerOptions));
        return new Mapping(this, inputSchema);
    }

    internal override JsonObject SaveTo(string folder)
    {
        StudentCheckpoint.Save(Student, Path.Combine(folder, CheckpointFolderName), new StudentCheckpointInfo { Labels = Labels });
        return new JsonObject
        {
            ["checkpoint"] = CheckpointFolderName,
            ["input_ids_column"] = _columns.InputIds,
            ["attention_mask_column"] = _columns.AttentionMask,
            ["token_type_ids_column"] = _columns.TokenTypeIds,
            ["feature_column"] = _columns.Features,
            ["feature_shape"] = _columns.FeatureShape is null ? null : new JsonArray(_columns.FeatureShape.Select(d => (JsonNode)d).ToArray()),
        };
    }

    internal static StudentPredictionTransformer Load(string folder, ManifestReader settings)
    {
        var loaded = StudentCheckpoint.Load(Path.Combine(folder, settings.String("checkpoint")));
        var shape = settings.OptionalInts("feature_shape");
        var columns = new StudentColumns(settings.String("input_ids_column"), settings.String("attention_mask_column"),
            settings.String("token_type_ids_column"), settings.String("feature_column"), shape);
        return new StudentPredictionTransformer(loaded.Model, loaded.Manifest.Labels, columns, training: null);
    }

    private float[][] Predict(IReadOnlyList<StudentExample> rows)
    {
        // One module serves every cursor and row of this transformer; StudentEvaluator switches it to eval mode and back.
        lock (_lock)
        {
            return StudentEvaluator.Predict(Student, rows, ScoringBatchSize, _columns.FeatureShape);
        }
    }

    private sealed class Mapping : BoundMapping<StudentExample, float[]>
    {
        private readonly StudentPredictionTransformer _owner;

        public Mapping(StudentPredictionTransformer owner, DataViewSchema input)
            : base(input, StudentOutputs.Columns(owner.Labels), owner._columns.Reads(input, owner.Student.Options), ScoringBatchSize)
        {
            _owner = owner;
        }

        public override Func<StudentExample> CreateReader(DataViewRow row) => _owner._columns.Reader(row, _owner.Student.Options);

        public override IReadOnlyList<float[]> Compute(IReadOnlyList<StudentExample> rows) => _owner.Predict(rows);

        public override Delegate CreateGetter(int index, Func<float[]> current) => StudentOutputs.Getter(index, current);
    }
}
