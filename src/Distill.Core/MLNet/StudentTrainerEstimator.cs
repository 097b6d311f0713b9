using Distill.Losses;
using Distill.MLNet.Internal;
using Distill.Platform;
using Distill.Students;
using Distill.Training;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Distill.MLNet;

/// <summary>
/// Trains a student (transformer, BiLSTM, text CNN, MLP, image CNN) with Distill's engine (<see cref="DistillationTrainer"/>)
/// on the rows of an <see cref="IDataView"/>: its inputs from the token columns (or a float vector), its labels from a
/// key column, and the teacher's logits from the teacher-logits column when the input has one. The fitted
/// <see cref="StudentPredictionTransformer"/> adds <c>Score</c> and <c>PredictedLabel</c>, which
/// <c>mlContext.MulticlassClassification.Evaluate</c> reads, and, for two classes, the columns
/// <c>mlContext.BinaryClassification.Evaluate</c> reads (see <see cref="DistillColumnNames"/>). Made by
/// <c>mlContext.Distillation().TrainTransformer(...)</c> and its siblings.
/// </summary>
/// <remarks>
/// The whole input is read into memory once (token ids and logits are small), then trained on for the epochs asked.
/// The loss terms are those that read logits and labels (<c>ce</c>, <c>kd</c>, <c>dkd</c>): the ML.NET path carries the
/// teacher's logits only.
/// </remarks>
public sealed class StudentTrainerEstimator : IEstimator<StudentPredictionTransformer>
{
    private static readonly string[] LogitTerms = ["kd", "dkd"];

    /// <summary>Creates the estimator.</summary>
    /// <exception cref="DistillException">The options are invalid, or the loss has a term the ML.NET path cannot feed (every problem is listed).</exception>
    public StudentTrainerEstimator(StudentTrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate().ToList();
        errors.AddRange(Terms(options).Select(t => t.Key).Distinct().Where(key => key != "ce" && !LogitTerms.Contains(key)).Select(key =>
            $"loss term '{key}' needs the teacher's intermediate tensors, which the ML.NET path does not carry (it carries logits only); " +
            "train it with DistillationTrainer from a teacher cache (distill cache, recipes), or use ce, kd and dkd here"));
        ColumnNameChecks.ThrowIfAny("student trainer", errors);
        Options = options;
    }

    /// <summary>The settings.</summary>
    public StudentTrainerOptions Options { get; }

    /// <summary>Checks the input's columns, reads the rows, trains the student, and returns it as a transformer.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column the student reads is missing or of the wrong type.</exception>
    /// <exception cref="DistillException">A row cannot be used (a token id outside the vocabulary, say), or training failed.</exception>
    public StudentPredictionTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var hasTeacher = Check(InputColumns.Of(input.Schema));
        var student = Options.Student;
        var labelColumn = input.Schema[Options.LabelColumnName];
        var labels = LabelNames.Of(labelColumn, student.NumLabels);
        var (examples, logits) = Read(input, labelColumn, hasTeacher ? input.Schema[Options.TeacherLogitsColumnName] : null);

        using var run = StudentTrainingRun.Create(student, Options.Seed);
        var stages = Options.Stages ??
        [
            new TrainingStage
            {
                Name = "train", Loss = Options.Loss ?? DefaultLoss(hasTeacher), Epochs = Options.Epochs, LearningRate = Options.EffectiveLearningRate,
            },
        ];
        var training = new TrainingOptions
        {
            OutputDirectory = Options.OutputDirectory ?? Directory.CreateTempSubdirectory("distill-mlnet-").FullName,
            BatchSize = Options.BatchSize,
            Seed = Options.Seed,
            Device = Options.Device,
            Resume = false,
        };
        var data = new TrainingData
        {
            Train = examples,
            Labels = labels,
            Teacher = logits is null ? null : TeacherTargets.FromLogits(logits),
            FeatureShape = Options.FeatureShape,
        };
        var result = run.Train(training, stages, data, progress: Options.Progress);
        // The transformer owns the trained student from here on.
        var trained = run.Keep();
        trained.eval();
        return new StudentPredictionTransformer(trained, labels, StudentColumns.Of(Options), result);
    }

    /// <summary>The input's columns plus <c>Score</c>, <c>PredictedLabel</c> and, for two classes, the binary columns.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column the student reads is missing or of the wrong type.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        Check(InputColumns.Of(inputSchema));
        return SchemaShapes.With(inputSchema, StudentOutputs.Shape(Options.Student.NumLabels));
    }

    /// <summary>Checks every column the trainer reads; returns whether the input has the teacher's logits.</summary>
    private bool Check(InputColumns input)
    {
        var classes = Options.Student.NumLabels;
        input.Key("label", Options.LabelColumnName, $"{nameof(StudentTrainerOptions)}.{nameof(StudentTrainerOptions.LabelColumnName)}", classes,
            "set the student's NumLabels to the label column's number of classes");
        StudentColumns.Of(Options).Check(input, Options.Student, nameof(StudentTrainerOptions));
        var teacher = input.OptionalFloats("teacher logits", Options.TeacherLogitsColumnName,
            $"{nameof(StudentTrainerOptions)}.{nameof(StudentTrainerOptions.TeacherLogitsColumnName)}", classes,
            "the teacher and the student must have the same classes; check the teacher, or the student's NumLabels");
        if (teacher is null && Terms(Options).FirstOrDefault(t => LogitTerms.Contains(t.Key)) is { } term)
        {
            throw SchemaErrors.Missing("teacher logits", Options.TeacherLogitsColumnName, input.Names,
                $"the loss has {term.Key}, which needs the teacher's logits: append Distillation().TeacherOutputs(...) before the trainer, or train with ce alone");
        }

        return teacher is not null;
    }

    private (List<StudentExample> Examples, List<float[]>? Logits) Read(IDataView input, DataViewSchema.Column label, DataViewSchema.Column? teacher)
    {
        var columns = StudentColumns.Of(Options);
        var reads = columns.Reads(input.Schema, Options.Student).Append(label);
        if (teacher is { } logitsColumn)
        {
            reads = reads.Append(logitsColumn);
        }

        var examples = new List<StudentExample>();
        var logits = teacher is null ? null : new List<float[]>();
        using var cursor = input.GetRowCursor(reads.DistinctBy(c => c.Index));
        var read = columns.Reader(cursor, Options.Student);
        var readLabel = KeyReader(cursor, label);
        ValueGetter<VBuffer<float>>? readLogits = teacher is { } column ? cursor.GetGetter<VBuffer<float>>(column) : null;
        VBuffer<float> buffer = default;
        while (cursor.MoveNext())
        {
            var key = readLabel();
            examples.Add(read() with { RowId = examples.Count, Label = key == 0 ? -1 : (int)(key - 1) });
            if (readLogits is not null)
            {
                readLogits(ref buffer);
                var values = buffer.DenseValues().ToArray();
                if (values.Any(v => !float.IsFinite(v)))
                {
                    throw MLNetErrors.LogitNotFinite(cursor.Position, Options.TeacherLogitsColumnName);
                }

                logits!.Add(values);
            }
        }

        return (examples, logits);
    }

    /// <summary>Reads a key of any raw type as a number: 0 is missing, k is class k − 1.</summary>
    private static Func<ulong> KeyReader(DataViewRow row, DataViewSchema.Column column)
    {
        var raw = ((KeyDataViewType)column.Type).RawType;
        if (raw == typeof(uint))
        {
            var getter = row.GetGetter<uint>(column);
            uint value = 0;
            return () => { getter(ref value); return value; };
        }

        if (raw == typeof(ulong))
        {
            var getter = row.GetGetter<ulong>(column);
            ulong value = 0;
            return () => { getter(ref value); return value; };
        }

        if (raw == typeof(ushort))
        {
            var getter = row.GetGetter<ushort>(column);
            ushort value = 0;
            return () => { getter(ref value); return value; };
        }

        var bytes = row.GetGetter<byte>(column);
        byte small = 0;
        return () => { bytes(ref small); return small; };
    }

    private static WeightedLossSum DefaultLoss(bool hasTeacher) =>
        hasTeacher
            ? new WeightedLossSum().Add(new LabelCrossEntropyLoss(), 0.5).Add(new KdLoss(), 0.5)
            : new WeightedLossSum().Add(new LabelCrossEntropyLoss());

    private static IEnumerable<ILossTerm> Terms(StudentTrainerOptions options) =>
        options.Stages?.Where(s => s?.Loss is not null).SelectMany(s => s.Loss.Terms) ?? options.Loss?.Terms ?? [];
}
