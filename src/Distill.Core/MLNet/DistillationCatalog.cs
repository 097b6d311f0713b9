using Distill.Losses;
using Distill.Students;
using Distill.Text;
using Microsoft.ML;

namespace Distill.MLNet;

/// <summary>
/// Distill's estimators for ML.NET pipelines, from <c>mlContext.Distillation()</c>: a BERT tokenizer, an ONNX teacher
/// that adds its logits, and trainers of students that learn from them. Each operation has a short form with
/// defaults and a form that takes an options record.
/// </summary>
/// <example>
/// <code>
/// var distill = mlContext.Distillation();
/// var pipeline = mlContext.Transforms.Conversion.MapValueToKey("Label")
///     .Append(distill.Tokenize("vocab.txt", "Sentence"))
///     .Append(distill.TeacherOutputs("teacher.onnx"))
///     .Append(distill.TrainBiLstm(new BiLstmStudentOptions { NumLabels = 2 }));
/// var model = pipeline.Fit(train);
/// var metrics = mlContext.MulticlassClassification.Evaluate(model.Transform(dev));
/// DistillModel.Save(model, "model");
/// </code>
/// </example>
public sealed class DistillationCatalog
{
    internal DistillationCatalog(MLContext context)
    {
        Context = context;
    }

    /// <summary>The context the catalog belongs to.</summary>
    public MLContext Context { get; }

    /// <summary>Tokenizes a text column (or a sentence pair) into <c>InputIds</c>, <c>AttentionMask</c> and <c>TokenTypeIds</c>.</summary>
    /// <param name="vocabPath">The WordPiece <c>vocab.txt</c>.</param>
    /// <param name="textColumnName">The text column. Default <c>Text</c>.</param>
    /// <param name="pairColumnName">The second text of a sentence pair; null for single texts (the default).</param>
    /// <param name="lowerCase">Lower-case (and strip accents) first, for uncased vocabularies. Default true.</param>
    /// <param name="maxLength">The most tokens per row, [CLS] and [SEP]s included. Default 128.</param>
    public TextTokenizerEstimator Tokenize(string vocabPath, string textColumnName = DistillColumnNames.Text, string? pairColumnName = null,
        bool lowerCase = true, int maxLength = 128) =>
        new(new TextTokenizerOptions
        {
            Encoder = new TextEncoderOptions { VocabPath = vocabPath, LowerCase = lowerCase, MaxLength = maxLength },
            TextColumnName = textColumnName,
            PairColumnName = pairColumnName,
        });

    /// <summary>Tokenizes with every setting given.</summary>
    public TextTokenizerEstimator Tokenize(TextTokenizerOptions options) => new(options);

    /// <summary>
    /// Runs the ONNX teacher over the token columns (or the <c>Features</c> column, for teachers of a float tensor) and
    /// adds its logits. Logits only: see <see cref="TeacherOutputsEstimator"/>.
    /// </summary>
    /// <param name="teacherPath">The teacher's <c>.onnx</c> file.</param>
    /// <param name="outputColumnName">The logits column written. Default <c>TeacherLogits</c>.</param>
    /// <param name="batchSize">Rows per teacher run. Default 32.</param>
    public TeacherOutputsEstimator TeacherOutputs(string teacherPath, string outputColumnName = DistillColumnNames.TeacherLogits, int batchSize = 32) =>
        new(new TeacherOutputsOptions { TeacherPath = teacherPath, OutputColumnName = outputColumnName, BatchSize = batchSize });

    /// <summary>Runs the teacher with every setting given.</summary>
    public TeacherOutputsEstimator TeacherOutputs(TeacherOutputsOptions options) => new(options);

    /// <summary>Trains a transformer student on the token columns. See <see cref="TrainStudent"/> for stages and column names.</summary>
    /// <param name="student">Its shape; <c>NumLabels</c> must be the label column's class count.</param>
    /// <param name="loss">The objective; null: 0.5·CE + 0.5·KD with a teacher-logits column, CE without.</param>
    /// <param name="labelColumnName">The key label column. Default <c>Label</c>.</param>
    /// <param name="epochs">Epochs. Default 3.</param>
    /// <param name="batchSize">Rows per step. Default 32.</param>
    /// <param name="learningRate">Peak learning rate; null: 2e-4.</param>
    /// <param name="seed">Seed of initialisation, shuffles and dropout. Default 42.</param>
    /// <param name="outputDirectory">Checkpoints and metrics log; null: a new temp folder.</param>
    public StudentTrainerEstimator TrainTransformer(TransformerStudentOptions student, WeightedLossSum? loss = null, string labelColumnName = DistillColumnNames.Label,
        int epochs = 3, int batchSize = 32, double? learningRate = null, int seed = 42, string? outputDirectory = null) =>
        Train(student, loss, labelColumnName, epochs, batchSize, learningRate, seed, outputDirectory);

    /// <summary>Trains a BiLSTM student (Tang et al. 2019) on the token columns; parameters as <see cref="TrainTransformer"/> (learning rate default 1e-3).</summary>
    public StudentTrainerEstimator TrainBiLstm(BiLstmStudentOptions student, WeightedLossSum? loss = null, string labelColumnName = DistillColumnNames.Label,
        int epochs = 3, int batchSize = 32, double? learningRate = null, int seed = 42, string? outputDirectory = null) =>
        Train(student, loss, labelColumnName, epochs, batchSize, learningRate, seed, outputDirectory);

    /// <summary>Trains a text CNN student (Kim 2014) on the token columns; parameters as <see cref="TrainTransformer"/> (learning rate default 1e-3).</summary>
    public StudentTrainerEstimator TrainTextCnn(TextCnnStudentOptions student, WeightedLossSum? loss = null, string labelColumnName = DistillColumnNames.Label,
        int epochs = 3, int batchSize = 32, double? learningRate = null, int seed = 42, string? outputDirectory = null) =>
        Train(student, loss, labelColumnName, epochs, batchSize, learningRate, seed, outputDirectory);

    /// <summary>
    /// Trains an MLP student on a float-vector column (<c>Vector&lt;Single, InputSize&gt;</c>); parameters as
    /// <see cref="TrainTransformer"/> (learning rate default 1e-3).
    /// </summary>
    /// <param name="featureColumnName">The features column. Default <c>Features</c>.</param>
    public StudentTrainerEstimator TrainMlp(MlpStudentOptions student, WeightedLossSum? loss = null, string labelColumnName = DistillColumnNames.Label,
        string featureColumnName = DistillColumnNames.Features, int epochs = 3, int batchSize = 32, double? learningRate = null, int seed = 42, string? outputDirectory = null) =>
        new(new StudentTrainerOptions
        {
            Student = student, Loss = loss, LabelColumnName = labelColumnName, FeatureColumnName = featureColumnName, Epochs = epochs,
            BatchSize = batchSize, LearningRate = learningRate, Seed = seed, OutputDirectory = outputDirectory,
        });

    /// <summary>Trains any student with every setting given: stages, progress, device, column names, the image CNN's feature shape.</summary>
    public StudentTrainerEstimator TrainStudent(StudentTrainerOptions options) => new(options);

    private static StudentTrainerEstimator Train(StudentOptions student, WeightedLossSum? loss, string labelColumnName, int epochs, int batchSize,
        double? learningRate, int seed, string? outputDirectory) =>
        new(new StudentTrainerOptions
        {
            Student = student, Loss = loss, LabelColumnName = labelColumnName, Epochs = epochs, BatchSize = batchSize,
            LearningRate = learningRate, Seed = seed, OutputDirectory = outputDirectory,
        });
}
