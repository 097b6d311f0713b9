using Distill.Cache;
using Distill.TestSupport;
using Distill.Export;
using Distill.Students;
using Distill.Teacher;
using Distill.Text;
using Microsoft.ML.Tokenizers;
using static TorchSharp.torch;

namespace Distill.Core.Tests.Cache;

/// <summary>
/// A small BERT-like teacher exported by Distill with its taps as outputs, and SST-2 rows encoded for it: what the
/// cache tests build caches from. Every test gets its own folder, deleted afterwards.
/// </summary>
public sealed class CacheFixture : IDisposable
{
    public CacheFixture()
    {
        Folder = Directory.CreateTempSubdirectory("distill-cache-").FullName;
        manual_seed(4);
        using var model = new TransformerStudent(new TransformerStudentOptions { MaxPositions = 128, Layers = 3, Hidden = 32, Heads = 4, Intermediate = 48 });
        model.eval();
        TeacherPath = System.IO.Path.Combine(Folder, "teacher.onnx");
        // A plain export, logits only: the attention and hidden-state taps are found in its graph and added as outputs.
        OnnxExporter.Export(model, TeacherPath);
        Teacher = OnnxTeacher.Load(TeacherPath, new OnnxTeacherOptions
        {
            Device = Distill.Platform.DeviceSetting.Cpu, IntraOpThreads = 1, AttentionLayers = [1], HiddenStates = [2],
        });
        Attention1 = Teacher.TapOutput(TeacherTapKind.AttentionProbabilities, 1);
        Hidden2 = Teacher.TapOutput(TeacherTapKind.HiddenStates, 2);
    }

    public string Folder { get; }

    public string TeacherPath { get; }

    public OnnxTeacher Teacher { get; }

    /// <summary>The teacher output holding layer 1's attention probabilities.</summary>
    public string Attention1 { get; }

    /// <summary>The teacher output holding hidden state 2.</summary>
    public string Hidden2 { get; }

    public string Root(string name) => Directory.CreateDirectory(System.IO.Path.Combine(Folder, name)).FullName;

    /// <summary>Logits, layer 1's attention and hidden state 2: ragged tensors of both kinds.</summary>
    public TeacherCacheOptions Options(int rowsPerShard = 16, CacheElementType type = CacheElementType.Float16) => new()
    {
        Tensors = [CachedTensorSpec.Logits(Teacher.LogitsOutput), CachedTensorSpec.Attention(1, Attention1), CachedTensorSpec.Hidden(2, Hidden2)],
        RowsPerShard = rowsPerShard,
        BatchSize = 8,
        ElementType = type,
    };

    /// <summary>The first <paramref name="count"/> SST-2 train sentences, encoded with bert-base-uncased.</summary>
    public static IReadOnlyList<TeacherRow> Sst2Rows(int count, int skip = 0)
    {
        var tokenizer = BertTokenizer.Create(SharedData.Path("vocab", "bert-base-uncased.txt"), new BertOptions { LowerCaseBeforeTokenization = true });
        return File.ReadLines(SharedData.Path("sst2", "train.tsv")).Skip(1 + skip).Take(count)
            .Select((line, i) =>
            {
                var ids = tokenizer.EncodeToIds(line.Split('\t')[0]).Select(id => (long)id).ToArray();
                return new TeacherRow(skip + i, 0, new EncodedText(ids, new long[ids.Length], false));
            })
            .ToList();
    }

    /// <summary>Every file of a cache folder by name, with its bytes.</summary>
    public static Dictionary<string, byte[]> Files(string folder) =>
        Directory.GetFiles(folder).Where(f => !f.EndsWith(TeacherCacheManifest.FileName, StringComparison.Ordinal))
            .ToDictionary(f => System.IO.Path.GetFileName(f), File.ReadAllBytes);

    public void Dispose()
    {
        Teacher.Dispose();
        Directory.Delete(Folder, recursive: true);
    }
}
