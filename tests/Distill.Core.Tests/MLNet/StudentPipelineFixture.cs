using Distill.MLNet;
using Distill.Platform;
using Distill.Students;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Distill.Core.Tests.MLNet;

/// <summary>
/// A whole pipeline fitted once on 64 SST-2 rows: labels to keys, tokenizer, the random teacher's logits, and a small
/// BiLSTM student trained for 2 epochs with KD + CE. The student tests and the save/load tests read it.
/// </summary>
public sealed class StudentPipelineFixture : IDisposable
{
    public const int TrainRows = 64;
    public const int Epochs = 2;
    public const int BatchSize = 16;

    private readonly MLNetFixture _teacher = new();

    public StudentPipelineFixture()
    {
        MLContext = new MLContext(seed: 1);
        Train = MLNetFixture.Sst2(MLContext, "train", TrainRows);
        Dev = MLNetFixture.Sst2(MLContext, "dev", 48);
        var distill = MLContext.Distillation();
        Pipeline = MLContext.Transforms.Conversion.MapValueToKey("Label")
            .Append(distill.Tokenize(MLNetFixture.VocabPath, "Sentence", maxLength: 64))
            .Append(distill.TeacherOutputs(new TeacherOutputsOptions { TeacherPath = _teacher.TeacherPath, Device = DeviceSetting.Cpu }))
            .Append(distill.TrainStudent(new StudentTrainerOptions
            {
                Student = StudentOptions(),
                Epochs = Epochs,
                BatchSize = BatchSize,
                Device = DeviceSetting.Cpu,
                OutputDirectory = _teacher.Path("student-run"),
            }));
        Model = Pipeline.Fit(Train);
    }

    public MLContext MLContext { get; }

    public IDataView Train { get; }

    public IDataView Dev { get; }

    public EstimatorChain<StudentPredictionTransformer> Pipeline { get; }

    public TransformerChain<StudentPredictionTransformer> Model { get; }

    public StudentPredictionTransformer Trained => Model.LastTransformer;

    public string Folder => _teacher.Folder;

    public string Path(string name) => _teacher.Path(name);

    public static BiLstmStudentOptions StudentOptions() => new() { NumLabels = 2, EmbeddingDim = 16, HiddenSize = 8, MlpHidden = 8 };

    public void Dispose()
    {
        Model.OfType<TeacherOutputsTransformer>().Single().Teacher.Dispose();
        Trained.Student.Dispose();
        _teacher.Dispose();
    }
}
