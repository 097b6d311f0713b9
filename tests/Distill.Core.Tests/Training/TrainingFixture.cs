using Distill.Cache;
using Distill.Export;
using Distill.Students;
using Distill.Teacher;
using Distill.TestSupport;
using Distill.Text;
using Distill.Training;
using Microsoft.ML.Tokenizers;
using static TorchSharp.torch;

namespace Distill.Core.Tests.Training;

/// <summary>
/// Small SST-2 train and dev sets encoded with bert-base-uncased, a small BERT-like teacher exported by Distill, and
/// its cache (logits, attention of layer 1, hidden states 0 and 2 of 2 layers): what the engine tests train from.
/// </summary>
public sealed class TrainingFixture : IDisposable
{
    public const int TrainRows = 96;
    public const int DevRows = 32;

    public TrainingFixture()
    {
        Folder = Directory.CreateTempSubdirectory("distill-train-").FullName;
        var tokenizer = BertTokenizer.Create(SharedData.Path("vocab", "bert-base-uncased.txt"), new BertOptions { LowerCaseBeforeTokenization = true });
        List<StudentExample> Read(string file, int count) => File.ReadLines(SharedData.Path("sst2", file)).Skip(1).Take(count)
            .Select((line, i) =>
            {
                var parts = line.Split('\t');
                var ids = tokenizer.EncodeToIds(parts[0]).Select(id => (long)id).ToArray();
                return new StudentExample(i, 0, new EncodedText(ids, new long[ids.Length], false), null, int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
            }).ToList();
        Train = Read("train.tsv", TrainRows);
        Dev = Read("dev.tsv", DevRows);

        manual_seed(5);
        using (var teacher = new TransformerStudent(new TransformerStudentOptions { MaxPositions = 128, Layers = 2, Hidden = 16, Heads = 4, Intermediate = 32 }))
        {
            teacher.eval();
            TeacherPath = Path.Combine(Folder, "teacher.onnx");
            OnnxExporter.Export(teacher, TeacherPath);
        }

        using var onnx = OnnxTeacher.Load(TeacherPath, new OnnxTeacherOptions
        {
            Device = Distill.Platform.DeviceSetting.Cpu, AttentionLayers = [0, 1], HiddenStates = [0, 1, 2],
        });
        var tensors = new List<CachedTensorSpec> { CachedTensorSpec.Logits(onnx.LogitsOutput) };
        tensors.AddRange(new[] { 0, 1 }.Select(l => CachedTensorSpec.Attention(l, onnx.TapOutput(TeacherTapKind.AttentionProbabilities, l))));
        tensors.AddRange(new[] { 0, 1, 2 }.Select(i => CachedTensorSpec.Hidden(i, onnx.TapOutput(TeacherTapKind.HiddenStates, i))));
        var rows = Train.Select(e => new TeacherRow(e.RowId, e.AugmentationId, e.Text)).ToList();
        CacheFolder = new TeacherCacheBuilder(onnx, TeacherPath, new TeacherCacheOptions { Tensors = tensors, RowsPerShard = 64 })
            .Build(rows, Path.Combine(Folder, "cache")).Folder;
        Cache = TeacherCache.Open(CacheFolder);
    }

    public string Folder { get; }

    public string TeacherPath { get; }

    public string CacheFolder { get; }

    public TeacherCache Cache { get; }

    public IReadOnlyList<StudentExample> Train { get; }

    public IReadOnlyList<StudentExample> Dev { get; }

    public static readonly IReadOnlyList<string> Labels = ["negative", "positive"];

    /// <summary>A 2-layer student over the teacher's vocabulary: token-level terms can compare it with the teacher.</summary>
    public static TransformerStudentOptions Student(int hidden = 16) =>
        new() { MaxPositions = 128, Layers = 2, Hidden = hidden, Heads = 4, Intermediate = 32, HiddenDropout = 0.1, AttentionDropout = 0.1 };

    public TrainingData Data(bool teacher = true) => new()
    {
        Train = Train, Dev = Dev, Labels = Labels, Teacher = teacher ? TeacherTargets.FromCache(Cache) : null,
    };

    public string Output(string name) => Path.Combine(Folder, name);

    public void Dispose()
    {
        Cache.Dispose();
        Directory.Delete(Folder, recursive: true);
    }
}
