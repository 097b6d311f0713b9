// Distill in an ML.NET pipeline, on SST-2 (binary sentiment):
//   MapValueToKey(label) -> Distillation().Tokenize -> Distillation().TeacherOutputs(teacher.onnx) -> TrainBiLstm (KD + CE)
// then ML.NET's own evaluators on the dev set, a PredictionEngine, and a save/load round trip.
// Run from the repository root:  dotnet run -c Release --project samples/Distill.Samples.MLNet [-- --teacher teacher.onnx]

using System.Diagnostics;
using System.Globalization;
using Distill;
using Distill.Export;
using Distill.Losses;
using Distill.MLNet;
using Distill.Samples.MLNet;
using Distill.Students;
using Distill.Training;
using Microsoft.ML;
using Microsoft.ML.Transforms;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
SampleArguments arguments;
string data;
try
{
    arguments = SampleArguments.Parse(args);
    data = arguments.DataFolder();
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    Console.Error.WriteLine(SampleArguments.Usage);
    return 2;
}

try
{
    Run(arguments, data);
    return 0;
}
catch (DistillException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return e.Kind == DistillErrorKind.RunFailed ? 1 : 2;
}

static void Run(SampleArguments arguments, string data)
{
    var work = Directory.CreateTempSubdirectory("distill-sample-mlnet-").FullName;
    var vocab = Path.Combine(data, "vocab", "bert-base-uncased.txt");
    var mlContext = new MLContext(seed: 1);
    var distill = mlContext.Distillation();

    // SST-2's train split is in no particular order: its first rows are a fair subset. The dev split is used whole.
    var train = mlContext.Data.TakeRows(
        mlContext.Data.LoadFromTextFile<Sst2Row>(Path.Combine(data, "sst2", "train.tsv"), separatorChar: '\t', hasHeader: true), arguments.TrainRows);
    var dev = mlContext.Data.LoadFromTextFile<Sst2Row>(Path.Combine(data, "sst2", "dev.tsv"), separatorChar: '\t', hasHeader: true);
    Console.WriteLine($"SST-2 from {data}: {arguments.TrainRows} training rows, the dev set in full; work folder {work}");

    // Labels "0" and "1" become keys 1 and 2 in value order, so the positive class is the second label.
    var labels = mlContext.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue);
    var tokenize = distill.Tokenize(vocab, textColumnName: "Sentence", maxLength: 64);

    var teacherPath = arguments.Teacher ?? TrainTeacher(mlContext, labels, tokenize, train, work);

    // The student: a BiLSTM (Tang et al. 2019) trained on 0.5·CE + 0.5·KD against the teacher's logits.
    var loss = new WeightedLossSum()
        .Add(new LabelCrossEntropyLoss(), 0.5)
        .Add(new KdLoss(new KdLossOptions { Temperature = 2 }), 0.5);
    var student = new BiLstmStudentOptions { NumLabels = 2, EmbeddingDim = 64, HiddenSize = 64, MlpHidden = 64, Dropout = 0.1 };
    var pipeline = labels
        .Append(tokenize)
        .Append(distill.TeacherOutputs(teacherPath, batchSize: 64))
        .Append(distill.TrainStudent(new StudentTrainerOptions
        {
            Student = student,
            Loss = loss,
            Epochs = arguments.Epochs,
            BatchSize = 32,
            LearningRate = 2e-3,
            Seed = 7,
            OutputDirectory = Path.Combine(work, "student-run"),
            Progress = new EpochReporter("student"),
        }));

    Console.WriteLine($"Training the student ({student.ArchitectureName}, loss {loss}) for {arguments.Epochs} epochs...");
    var clock = Stopwatch.StartNew();
    var model = pipeline.Fit(train);
    Console.WriteLine($"  done in {clock.Elapsed.TotalSeconds:F0} s ({model.LastTransformer.Student.ParameterCount:N0} parameters)");

    // ML.NET's evaluators read the student's columns directly.
    var scored = model.Transform(dev);
    var metrics = mlContext.MulticlassClassification.Evaluate(scored, "Label", "Score", "PredictedLabel");
    var binary = mlContext.BinaryClassification.Evaluate(scored, "Label", "BinaryScore", "Probability", "BinaryPredictedLabel");

    // The teacher's logits become probabilities and a predicted key, in the form the same evaluator reads.
    var teacherScored = mlContext.Transforms.CustomMapping<TeacherLogitsRow, TeacherScoreRow>(Softmax, contractName: null).Fit(scored).Transform(scored);
    var teacher = mlContext.MulticlassClassification.Evaluate(teacherScored, "Label", "TeacherScore", "TeacherPredictedLabel");

    Console.WriteLine();
    Console.WriteLine("SST-2 dev (872 sentences), MulticlassClassification.Evaluate:");
    Console.WriteLine($"  {"",-8} {"accuracy",9} {"macro acc",10} {"log loss",9}");
    Console.WriteLine($"  {"teacher",-8} {teacher.MicroAccuracy,9:F4} {teacher.MacroAccuracy,10:F4} {teacher.LogLoss,9:F4}");
    Console.WriteLine($"  {"student",-8} {metrics.MicroAccuracy,9:F4} {metrics.MacroAccuracy,10:F4} {metrics.LogLoss,9:F4}");
    Console.WriteLine($"Student, BinaryClassification.Evaluate: AUC {binary.AreaUnderRocCurve:F4}, F1 {binary.F1Score:F4}, accuracy {binary.Accuracy:F4}");

    // One sentence at a time, as a service would: the PredictionEngine runs the fitted pipeline row by row.
    using (var engine = mlContext.Model.CreatePredictionEngine<Sst2Row, SentimentPrediction>(model))
    {
        foreach (var sentence in new[] { "a gorgeous , witty , seductive movie .", "the plot is nothing but boilerplate clichés from start to finish ." })
        {
            var prediction = engine.Predict(new Sst2Row { Sentence = sentence });
            Console.WriteLine($"  {(prediction.BinaryPredictedLabel ? "positive" : "negative"),-8} p(positive) = {prediction.Probability:F3}  \"{sentence}\"");
        }
    }

    // ML.NET's own saver cannot reload third-party transformers: Distill saves the pipeline in its own format.
    var saved = Path.Combine(work, "model");
    DistillModel.Save(model, saved);
    var reloaded = DistillModel.Load(mlContext, saved);
    var again = mlContext.MulticlassClassification.Evaluate(reloaded.Transform(dev), "Label", "Score", "PredictedLabel");
    Console.WriteLine($"Saved the fitted pipeline to {saved} and loaded it back: dev accuracy {again.MicroAccuracy:F4}");
    (reloaded as IDisposable)?.Dispose();
    model.Dispose();
}

// Without --teacher: a small transformer trained on the labels alone (CE) through the same ML.NET API, exported to ONNX.
static string TrainTeacher(MLContext mlContext, ValueToKeyMappingEstimator labels, TextTokenizerEstimator tokenize, IDataView train, string work)
{
    var path = Path.Combine(work, "teacher.onnx");
    var options = new TransformerStudentOptions
    {
        NumLabels = 2, MaxPositions = 64, Layers = 2, Hidden = 128, Heads = 4, Intermediate = 256, HiddenDropout = 0.1, AttentionDropout = 0.1,
    };
    Console.WriteLine($"No teacher given (--teacher teacher.onnx): training a small transformer teacher ({options.Layers} layers, hidden {options.Hidden}) " +
                      $"on the labels with Distill's engine, then exporting it with OnnxExporter to {path}...");
    var clock = Stopwatch.StartNew();
    var fitted = labels.Append(tokenize).Append(mlContext.Distillation().TrainStudent(new StudentTrainerOptions
    {
        Student = options,
        Epochs = 3,
        BatchSize = 32,
        LearningRate = 5e-4,
        Seed = 3,
        OutputDirectory = Path.Combine(work, "teacher-run"),
        Progress = new EpochReporter("teacher"),
    })).Fit(train);
    using (fitted)
    {
        OnnxExporter.Export(fitted.LastTransformer.Student, path, new OnnxExportOptions { Labels = fitted.LastTransformer.Labels });
    }

    Console.WriteLine($"  done in {clock.Elapsed.TotalSeconds:F0} s; run again with --teacher {path} to skip this step");
    return path;
}

static void Softmax(TeacherLogitsRow input, TeacherScoreRow output)
{
    var z = input.TeacherLogits;
    var max = z.Max();
    var e = z.Select(v => Math.Exp(v - max)).ToArray();
    output.TeacherScore = e.Select(v => (float)(v / e.Sum())).ToArray();
    output.TeacherPredictedLabel = (uint)Array.IndexOf(z, max) + 1;
}

/// <summary>Prints one line per epoch: its last logged loss and the speed.</summary>
internal sealed class EpochReporter(string name) : IProgress<TrainingProgress>
{
    private TrainingProgress? _last;

    public void Report(TrainingProgress value)
    {
        if (_last is { } last && value.Epoch != last.Epoch)
        {
            Print(last);
        }

        _last = value;
        if (value.Step == value.TotalSteps)
        {
            Print(value);
            _last = null;
        }
    }

    private void Print(TrainingProgress value) =>
        Console.WriteLine($"  {name} epoch {value.Epoch + 1}: step {value.Step}/{value.TotalSteps}, loss {value.Loss:F4}, {value.RowsPerSecond:F0} rows/s");
}
