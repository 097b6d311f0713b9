using Distill.Core.Tests.Export.Support;
using Distill.TestSupport;
using Distill.Export;
using Distill.Students;
using Google.Protobuf;
using Microsoft.ML.Tokenizers;
using static TorchSharp.torch;

namespace Distill.Core.Tests.Export;

/// <summary>The text students on real input: SST-2 dev sentences encoded with the bert-base-uncased vocabulary.</summary>
public class RealTextExportTests
{
    private static (Tensor Ids, Tensor Mask) Encode(IReadOnlyList<string> sentences)
    {
        var tokenizer = BertTokenizer.Create(SharedData.Path("vocab", "bert-base-uncased.txt"), new BertOptions { LowerCaseBeforeTokenization = true });
        var encoded = sentences.Select(s => tokenizer.EncodeToIds(s).Select(i => (long)i).ToArray()).ToList();
        var length = encoded.Max(e => e.Length);
        var ids = new long[sentences.Count * length];
        var mask = new long[sentences.Count * length];
        for (var b = 0; b < encoded.Count; b++)
        {
            encoded[b].CopyTo(ids, b * length);
            Array.Fill(mask, 1L, b * length, encoded[b].Length);
        }

        return (tensor(ids, [sentences.Count, length]), tensor(mask, [sentences.Count, length]));
    }

    public static TheoryData<string, int> Cases => new()
    {
        { "transformer", 1 }, { "transformer", 8 }, { "transformer", 32 },
        { "bilstm", 1 }, { "bilstm", 8 }, { "bilstm", 32 },
        { "text_cnn", 1 }, { "text_cnn", 8 }, { "text_cnn", 32 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Export_Should_MatchTorchSharp_OnSst2Sentences(string architecture, int batch)
    {
        // Arrange: bert-base-uncased's vocabulary, small widths; SST-2 dev sentences differ a lot in length.
        manual_seed(batch);
        StudentOptions options = architecture switch
        {
            "transformer" => new TransformerStudentOptions { MaxPositions = 128, Layers = 2, Hidden = 32, Heads = 4, Intermediate = 64 },
            "bilstm" => new BiLstmStudentOptions { EmbeddingDim = 32, HiddenSize = 16, MlpHidden = 24 },
            _ => new TextCnnStudentOptions { EmbeddingDim = 32, FiltersPerWidth = 8 },
        };
        using var model = options.CreateModel();
        model.eval();
        var bytes = OnnxExporter.ToModel(model).ToByteArray();
        using var scope = NewDisposeScope();
        var sentences = SharedData.Sst2DevSentences(32 + batch).Skip(batch).Take(batch).ToList();
        var (ids, mask) = Encode(sentences);
        var feeds = new Dictionary<string, Tensor> { [OnnxNames.InputIds] = ids, [OnnxNames.AttentionMask] = mask };
        if (model.Kind == StudentKind.Transformer)
        {
            feeds[OnnxNames.TokenTypeIds] = zeros_like(ids);
        }

        // Act
        var expected = model.call(StudentInput.Text(ids, mask)).Logits;
        var actual = OrtRunner.Run(bytes, feeds)[OnnxNames.Logits];

        // Assert
        if (batch > 1)
        {
            mask.sum(1).min().item<long>().Should().BeLessThan(mask.shape[1], "a batch of several sentences is padded");
        }

        OrtRunner.MaxAbsDifference(actual, expected).Should().BeLessThan(1e-4);
    }

    [Fact]
    public void Export_Should_GiveTheSameLogitsInOnnxRuntimeNode_OnSst2Sentences()
    {
        // Arrange
        manual_seed(5);
        using var model = new TransformerStudent(new TransformerStudentOptions { MaxPositions = 128, Layers = 2, Hidden = 32, Heads = 4, Intermediate = 64 });
        model.eval();
        var folder = Directory.CreateTempSubdirectory("distill-node-sst2-").FullName;
        try
        {
            var path = System.IO.Path.Combine(folder, "student.onnx");
            OnnxExporter.Export(model, path);
            using var scope = NewDisposeScope();
            var (ids, mask) = Encode(SharedData.Sst2DevSentences(16));
            var feeds = new Dictionary<string, NodeInput>
            {
                [OnnxNames.InputIds] = NodeInput.Int64(ids.data<long>().ToArray(), ids.shape),
                [OnnxNames.AttentionMask] = NodeInput.Int64(mask.data<long>().ToArray(), mask.shape),
                [OnnxNames.TokenTypeIds] = NodeInput.Int64(new long[ids.numel()], ids.shape),
            };

            // Act
            var expected = model.call(StudentInput.Text(ids, mask)).Logits;
            var (dims, data) = OnnxNodeRunner.Run(path, feeds, [OnnxNames.Logits])[OnnxNames.Logits];

            // Assert
            OrtRunner.MaxAbsDifference(tensor(data, dims), expected).Should().BeLessThan(1e-4);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
