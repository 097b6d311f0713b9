using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Distill.Students;
using Distill.Students.Checkpoints;
using static TorchSharp.torch;

namespace Distill.Core.Tests.Students.Checkpoints;

public class StudentCheckpointTests
{
    private const string Vocab = "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    private const string OtherVocab = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
    private const string MismatchFix = "; load the checkpoint made for these settings, or change what is expected to match it";

    public static TheoryData<StudentOptions> AllStudents => new(StudentFixtures.AllSmall());

    [Theory]
    [MemberData(nameof(AllStudents))]
    public void Load_Should_RestoreEveryTensorAndTheLogits_When_ACheckpointIsSavedAndLoaded(StudentOptions options)
    {
        // Arrange
        using var temp = new TempFolder();
        manual_seed(1);
        using var model = options.CreateModel();
        model.eval();
        var info = InfoFor(model);
        StudentCheckpoint.Save(model, temp["student"], info);

        // Act
        var loaded = StudentCheckpoint.Load(temp["student"]);
        using var restored = loaded.Model;

        // Assert
        restored.Options.Should().Be(options);
        loaded.Info.Should().Be(info);
        restored.training.Should().BeFalse("a loaded checkpoint is ready for inference");
        Tensors.DifferingKeys(restored.state_dict(), model.state_dict()).Should().BeEmpty();
        using var scope = NewDisposeScope();
        var input = StudentFixtures.InputFor(model, seed: 5);
        Tensors.MaxDifference(restored.call(input).Logits, model.call(input).Logits).Should().Be(0);
    }

    [Fact]
    public void Load_Should_RestoreBatchNormRunningStatistics_When_TheImageCnnWasTrained()
    {
        // Arrange: three training-mode batches move every BatchNorm's running mean and variance off 0 and 1.
        using var temp = new TempFolder();
        manual_seed(2);
        using var model = StudentFixtures.SmallImageCnn().CreateModel();
        model.train();
        using (NewDisposeScope())
        {
            for (var step = 0; step < 3; step++)
            {
                model.call(StudentInput.Float(randn(4, 3, 12, 10) * 3 + 1));
            }
        }

        model.eval();
        StudentCheckpoint.Save(model, temp["cnn"], InfoFor(model));

        // Act
        using var restored = StudentCheckpoint.Load(temp["cnn"]).Model;

        // Assert
        var buffers = model.named_buffers().ToDictionary(b => b.name, b => b.buffer);
        buffers.Keys.Should().Contain(["stem_bn.running_mean", "stem_bn.running_var", "stem_bn.num_batches_tracked"]);
        Tensors.Values(buffers["stem_bn.running_mean"]).Should().NotContain(0.0, "training moved the statistics");
        var restoredBuffers = restored.named_buffers().ToDictionary(b => b.name, b => b.buffer);
        Tensors.DifferingKeys(restoredBuffers, buffers).Should().BeEmpty();
        Tensors.Values(restoredBuffers["stem_bn.num_batches_tracked"]).Should().Equal(3);
        using var scope = NewDisposeScope();
        var input = StudentInput.Float(randn(2, 3, 12, 10));
        Tensors.MaxDifference(restored.call(input).Logits, model.call(input).Logits).Should().Be(0, "eval mode normalises with the running statistics");
    }

    [Fact]
    public void SaveAndLoad_Should_LeaveNoTensorAlive_When_TheModelsAreDisposed()
    {
        // Arrange
        using var temp = new TempFolder();
        var before = Tensors.Live;

        // Act
        using (var model = new TransformerStudent(StudentFixtures.SmallTransformer()))
        {
            StudentCheckpoint.Save(model, temp["t"], InfoFor(model));
        }

        StudentCheckpoint.Load(temp["t"]).Model.Dispose();

        // Assert
        Tensors.Live.Should().Be(before, "every tensor made to write or read the weights is disposed");
    }

    [Fact]
    public void Save_Should_WriteTheManifestAndWeights_When_GivenATextStudent()
    {
        // Arrange
        using var temp = new TempFolder();
        using var model = new TransformerStudent(StudentFixtures.SmallTransformer());
        var folder = temp["student"];

        // Act
        var manifest = StudentCheckpoint.Save(model, folder, new StudentCheckpointInfo { Labels = ["neg", "neu", "pos"], VocabularyHash = Vocab });

        // Assert
        Directory.GetFileSystemEntries(temp.Path).Should().Equal([folder], "nothing temporary is left beside the checkpoint");
        Directory.GetFiles(folder).Select(Path.GetFileName).Should().BeEquivalentTo("distill.json", "model.safetensors");
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "distill.json")))!;
        json["format"]!.GetValue<string>().Should().Be("distill.student");
        json["format_version"]!.GetValue<int>().Should().Be(1);
        json["student"]!["architecture"]!.GetValue<string>().Should().Be("transformer");
        json["student"]!["hidden"]!.GetValue<int>().Should().Be(16);
        json["student"]!["heads"]!.GetValue<int>().Should().Be(4);
        json["student"]!.AsObject().Select(p => p.Key).Should().NotContain(["kind", "head_size"], "computed properties are not settings");
        json["labels"]!.AsArray().Select(l => l!.GetValue<string>()).Should().Equal("neg", "neu", "pos");
        json["vocabulary_hash"]!.GetValue<string>().Should().Be(Vocab);
        json["distill_version"]!.GetValue<string>().Should().Be(StudentCheckpoint.DistillVersion).And.StartWith("0.1.0");
        var sha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(folder, "model.safetensors"))));
        json["weights_sha256"]!.GetValue<string>().Should().Be(sha);
        manifest.WeightsSha256.Should().Be(sha);
    }

    [Fact]
    public void Save_Should_WriteStandardSafetensors_When_ReadByAnIndependentParser()
    {
        // Arrange: the image CNN has both float weights and int64 buffers.
        using var temp = new TempFolder();
        using var model = StudentFixtures.SmallImageCnn().CreateModel();

        // Act
        StudentCheckpoint.Save(model, temp["cnn"], InfoFor(model));

        // Assert: parsed from the format's description (8-byte length, JSON header, raw little-endian data).
        var bytes = File.ReadAllBytes(temp["cnn/model.safetensors"]);
        var headerLength = (int)BitConverter.ToUInt64(bytes, 0);
        var header = JsonNode.Parse(bytes.AsSpan(8, headerLength))!.AsObject();
        var state = model.state_dict();
        header.Select(p => p.Key).Where(k => k != "__metadata__").Should().BeEquivalentTo(state.Keys);
        var end = 0L;
        foreach (var (key, entry) in header.Where(p => p.Key != "__metadata__"))
        {
            var dtype = entry!["dtype"]!.GetValue<string>();
            var offsets = entry["data_offsets"]!.AsArray().Select(o => o!.GetValue<long>()).ToArray();
            var data = bytes.AsSpan(8 + headerLength + (int)offsets[0], (int)(offsets[1] - offsets[0])).ToArray();
            double[] values = dtype switch
            {
                "F32" => Enumerable.Range(0, data.Length / 4).Select(i => (double)BitConverter.ToSingle(data, i * 4)).ToArray(),
                "I64" => Enumerable.Range(0, data.Length / 8).Select(i => (double)BitConverter.ToInt64(data, i * 8)).ToArray(),
                _ => throw new InvalidOperationException($"unexpected dtype {dtype} for {key}"),
            };
            entry["shape"]!.AsArray().Select(d => d!.GetValue<long>()).Should().Equal(state[key].shape, key);
            values.Should().Equal(Tensors.Values(state[key]), key);
            end = Math.Max(end, offsets[1]);
        }

        (8 + headerLength + end).Should().Be(bytes.Length, "the data ends where the file ends");
    }

    [Fact]
    public void Save_Should_WriteNullVocabularyHash_When_TheStudentTakesFloats()
    {
        using var temp = new TempFolder();
        using var model = StudentFixtures.SmallMlp().CreateModel();

        StudentCheckpoint.Save(model, temp["mlp"], InfoFor(model));

        var json = JsonNode.Parse(File.ReadAllText(temp["mlp/distill.json"]))!.AsObject();
        json.ContainsKey("vocabulary_hash").Should().BeTrue();
        json["vocabulary_hash"].Should().BeNull();
        json["student"]!["activation"]!.GetValue<string>().Should().Be("relu", "enums are written as names");
    }

    [Fact]
    public void Save_Should_RefuseAndKeepTheOldCheckpoint_When_OverwriteIsNotSet()
    {
        // Arrange
        using var temp = new TempFolder();
        using var first = StudentFixtures.SmallMlp().CreateModel();
        using var second = StudentFixtures.SmallMlp().CreateModel();
        StudentCheckpoint.Save(first, temp["mlp"], InfoFor(first));

        // Act
        var act = () => StudentCheckpoint.Save(second, temp["mlp"], InfoFor(second));

        // Assert
        act.Should().Throw<DistillException>().Where(e => e.Kind == DistillErrorKind.InvalidInput)
            .WithMessage($"{temp["mlp"]}: already holds a checkpoint; pass overwrite: true to replace it, or choose another folder");
        using var kept = StudentCheckpoint.Load(temp["mlp"]).Model;
        Tensors.DifferingKeys(kept.state_dict(), first.state_dict()).Should().BeEmpty();
    }

    [Fact]
    public void Save_Should_ReplaceTheCheckpoint_When_OverwriteIsSet()
    {
        // Arrange
        using var temp = new TempFolder();
        using var first = StudentFixtures.SmallMlp().CreateModel();
        using var second = StudentFixtures.SmallMlp().CreateModel();
        StudentCheckpoint.Save(first, temp["mlp"], InfoFor(first));

        // Act
        StudentCheckpoint.Save(second, temp["mlp"], InfoFor(second), overwrite: true);

        // Assert
        using var replaced = StudentCheckpoint.Load(temp["mlp"]).Model;
        Tensors.DifferingKeys(replaced.state_dict(), second.state_dict()).Should().BeEmpty();
        Directory.GetFileSystemEntries(temp.Path).Should().Equal([temp["mlp"]], "the old checkpoint moved aside is deleted");
    }

    [Fact]
    public void Save_Should_RefuseToReplaceAFolder_When_ItIsNotACheckpoint()
    {
        using var temp = new TempFolder();
        Directory.CreateDirectory(temp["results"]);
        File.WriteAllText(temp["results/notes.txt"], "keep me");
        using var model = StudentFixtures.SmallMlp().CreateModel();

        var act = () => StudentCheckpoint.Save(model, temp["results"], InfoFor(model), overwrite: true);

        act.Should().Throw<DistillException>()
            .WithMessage($"{temp["results"]}: holds files but no distill.json, so it is not a Distill checkpoint and will not be replaced; choose a new or empty folder");
        File.ReadAllText(temp["results/notes.txt"]).Should().Be("keep me");
    }

    [Fact]
    public void Save_Should_LeaveNothingHalfWritten_When_WritingTheWeightsFails()
    {
        // Arrange: an earlier checkpoint to be overwritten, and a student whose weights cannot be written.
        using var temp = new TempFolder();
        using var good = StudentFixtures.SmallMlp().CreateModel();
        StudentCheckpoint.Save(good, temp["old"], InfoFor(good));
        using var broken = new UnwritableStudent();

        // Act
        var intoNew = () => StudentCheckpoint.Save(broken, temp["new"], InfoFor(broken));
        var overOld = () => StudentCheckpoint.Save(broken, temp["old"], InfoFor(broken), overwrite: true);

        // Assert
        intoNew.Should().Throw<Exception>();
        overOld.Should().Throw<Exception>();
        Directory.GetFileSystemEntries(temp.Path).Should().Equal([temp["old"]], "no target or temporary folder is left behind");
        using var kept = StudentCheckpoint.Load(temp["old"]).Model;
        Tensors.DifferingKeys(kept.state_dict(), good.state_dict()).Should().BeEmpty();
    }

    [Fact]
    public void Save_Should_SayHowManyLabelsAreNeeded_When_TheCountDiffers()
    {
        using var temp = new TempFolder();
        using var model = new TransformerStudent(StudentFixtures.SmallTransformer());

        var act = () => StudentCheckpoint.Save(model, temp["t"], new StudentCheckpointInfo { Labels = ["neg", "pos"], VocabularyHash = Vocab });

        act.Should().Throw<DistillException>()
            .WithMessage($"{temp["t"]}: labels has 2 names but the student has num_labels 3; give one name per class, in logit order");
        Directory.Exists(temp["t"]).Should().BeFalse();
    }

    [Fact]
    public void Load_Should_Succeed_When_EverythingIsAsExpected()
    {
        using var temp = new TempFolder();
        using var model = new TransformerStudent(StudentFixtures.SmallTransformer(labels: 2));
        StudentCheckpoint.Save(model, temp["t"], new StudentCheckpointInfo { Labels = ["neg", "pos"], VocabularyHash = Vocab });
        var expected = new StudentCheckpointExpectations
        {
            Labels = ["neg", "pos"], VocabularyHash = Vocab, Architecture = StudentKind.Transformer, Options = StudentFixtures.SmallTransformer(labels: 2),
        };

        using var restored = StudentCheckpoint.Load(temp["t"], expected).Model;

        restored.Should().BeOfType<TransformerStudent>().Which.Settings.Should().Be(StudentFixtures.SmallTransformer(labels: 2));
    }

    [Fact]
    public void Load_Should_NameBothLabelLists_When_TheLabelsDoNotMatch()
    {
        // Arrange
        using var temp = new TempFolder();
        using var model = new TransformerStudent(StudentFixtures.SmallTransformer(labels: 2));
        StudentCheckpoint.Save(model, temp["t"], new StudentCheckpointInfo { Labels = ["neg", "pos"], VocabularyHash = Vocab });

        // Act
        var act = () => StudentCheckpoint.Load(temp["t"], new StudentCheckpointExpectations { Labels = ["negative", "positive"] });

        // Assert
        act.Should().Throw<DistillException>().Where(e => e.Kind == DistillErrorKind.InvalidInput)
            .WithMessage($"{temp["t/distill.json"]}: labels do not match (checkpoint [neg, pos], expected [negative, positive]){MismatchFix}");
    }

    [Fact]
    public void Load_Should_ListEveryMismatch_When_TheVocabularyAndSettingsDiffer()
    {
        // Arrange
        using var temp = new TempFolder();
        using var model = new TransformerStudent(StudentFixtures.SmallTransformer(labels: 2));
        StudentCheckpoint.Save(model, temp["t"], new StudentCheckpointInfo { Labels = ["neg", "pos"], VocabularyHash = Vocab });
        var expected = new StudentCheckpointExpectations
        {
            VocabularyHash = OtherVocab, Options = StudentFixtures.SmallTransformer(labels: 2) with { Hidden = 32, Heads = 8 },
        };

        // Act
        var act = () => StudentCheckpoint.Load(temp["t"], expected);

        // Assert
        act.Should().Throw<DistillException>().WithMessage(
            $"{temp["t/distill.json"]}: vocabulary_hash does not match (checkpoint {Vocab}, expected {OtherVocab}); " +
            "student.hidden does not match (checkpoint 16, expected 32); student.heads does not match (checkpoint 4, expected 8)" + MismatchFix);
    }

    [Fact]
    public void Load_Should_NameBothArchitectures_When_AnotherIsExpected()
    {
        using var temp = new TempFolder();
        using var model = new TransformerStudent(StudentFixtures.SmallTransformer());
        StudentCheckpoint.Save(model, temp["t"], InfoFor(model));

        var act = () => StudentCheckpoint.Load(temp["t"], new StudentCheckpointExpectations { Architecture = StudentKind.BiLstm });

        act.Should().Throw<DistillException>()
            .WithMessage($"{temp["t/distill.json"]}: student.architecture does not match (checkpoint transformer, expected bilstm){MismatchFix}");
    }

    [Fact]
    public void Load_Should_ReportTheFormatVersionBeforeReadingWeights_When_TheCheckpointIsNewer()
    {
        // Arrange: a newer format version, and no weights at all: the version must be what is reported.
        using var temp = new TempFolder();
        using var model = StudentFixtures.SmallMlp().CreateModel();
        StudentCheckpoint.Save(model, temp["mlp"], InfoFor(model));
        EditManifest(temp["mlp"], json => json["format_version"] = 2);
        File.Delete(temp["mlp/model.safetensors"]);

        // Act
        var act = () => StudentCheckpoint.Load(temp["mlp"]);

        // Assert
        act.Should().Throw<DistillException>().WithMessage(
            $"{temp["mlp/distill.json"]}: format_version 2 is not supported (this Distill, {StudentCheckpoint.DistillVersion}, reads version 1); " +
            $"load it with the Distill that wrote it ({StudentCheckpoint.DistillVersion}) or save it again with this one");
    }

    [Fact]
    public void Load_Should_NameTheArchitecture_When_ItIsUnknown()
    {
        using var temp = new TempFolder();
        using var model = StudentFixtures.SmallMlp().CreateModel();
        StudentCheckpoint.Save(model, temp["mlp"], InfoFor(model));
        EditManifest(temp["mlp"], json => json["student"]!["architecture"] = "mamba");

        var act = () => StudentCheckpoint.Load(temp["mlp"]);

        act.Should().Throw<DistillException>().WithMessage(
            $"{temp["mlp/distill.json"]}: student: unknown architecture 'mamba' (known: transformer, bilstm, text_cnn, mlp, image_cnn); it was written by a newer Distill or edited by hand");
    }

    [Fact]
    public void Load_Should_ReportADamagedWeightsFile_When_ItsHashDiffers()
    {
        // Arrange: one flipped bit in the last weight.
        using var temp = new TempFolder();
        using var model = StudentFixtures.SmallMlp().CreateModel();
        var manifest = StudentCheckpoint.Save(model, temp["mlp"], InfoFor(model));
        var bytes = File.ReadAllBytes(temp["mlp/model.safetensors"]);
        bytes[^1] ^= 0x01;
        File.WriteAllBytes(temp["mlp/model.safetensors"], bytes);
        var actual = Convert.ToHexStringLower(SHA256.HashData(bytes));

        // Act
        var act = () => StudentCheckpoint.Load(temp["mlp"]);

        // Assert
        act.Should().Throw<DistillException>().WithMessage(
            $"{temp["mlp/model.safetensors"]}: SHA-256 is {actual} but distill.json records weights_sha256 {manifest.WeightsSha256}; " +
            "the weights file is damaged or was replaced: restore it or save the checkpoint again");
    }

    [Fact]
    public void Load_Should_SayItIsNotACheckpoint_When_TheFolderHasNoManifest()
    {
        using var temp = new TempFolder();
        Directory.CreateDirectory(temp["hf"]);
        File.WriteAllText(temp["hf/model.safetensors"], "x");

        var act = () => StudentCheckpoint.Load(temp["hf"]);

        act.Should().Throw<DistillException>().WithMessage(
            $"{temp["hf"]}: has no distill.json, so it is not a Distill checkpoint; pass a folder written by StudentCheckpoint.Save; for Hugging Face BERT weights use HuggingFaceBert.Import");
    }

    private static StudentCheckpointInfo InfoFor(StudentModel model) => new()
    {
        Labels = Enumerable.Range(0, model.NumLabels).Select(i => $"class{i}").ToArray(),
        VocabularyHash = model.TakesTokens ? Vocab : null,
    };

    private static void EditManifest(string folder, Action<JsonNode> edit)
    {
        var path = Path.Combine(folder, "distill.json");
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        edit(json);
        File.WriteAllText(path, json.ToJsonString());
    }

    /// <summary>A student with a complex buffer: safetensors has no complex dtype, so saving fails part-way.</summary>
    private sealed class UnwritableStudent : StudentModel
    {
        public UnwritableStudent()
            : base(nameof(UnwritableStudent), new MlpStudentOptions { NumLabels = 4, InputSize = 2 })
        {
            register_buffer("phase", zeros(2, dtype: ScalarType.ComplexFloat32));
        }

        public override bool TakesTokens => false;

        public override StudentOutput forward(StudentInput input) => throw new NotSupportedException();
    }
}
