using System.Collections;
using Distill.Students;
using Distill.Students.Checkpoints;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Distill.Core.Tests.Students.Checkpoints;

public class HuggingFaceBertTests
{
    private const string ShapeFix = "build the student with the checkpoint's settings (HuggingFaceBert.ReadConfig on its config.json)";

    [Fact]
    public void Import_Should_LoadEveryWeightAndTheLabels_When_GivenABertForSequenceClassificationFolder()
    {
        // Arrange: a reference model's weights under Hugging Face's names, its position_ids buffer, and its config.json.
        using var temp = new TempFolder();
        manual_seed(11);
        var options = StudentFixtures.SmallTransformer(labels: 2);
        using var reference = new TransformerStudent(options);
        reference.eval();
        SafetensorsWriter.Write(temp["model.safetensors"], [HuggingFaceFiles.PositionIds(32), .. HuggingFaceFiles.Entries(reference, HuggingFaceFiles.SequenceClassification)]);
        HuggingFaceFiles.WriteConfig(temp["config.json"], options, ["NEGATIVE", "POSITIVE"]);

        // Act
        var imported = HuggingFaceBert.Import(temp.Path);
        using var model = imported.Model;

        // Assert
        model.Settings.Should().Be(options);
        imported.Labels.Should().Equal("NEGATIVE", "POSITIVE");
        imported.Report.Loaded.Should().Equal(reference.state_dict().Keys);
        imported.Report.Missing.Should().BeEmpty();
        imported.Report.Unexpected.Should().BeEmpty();
        imported.Report.Ignored.Should().Equal("bert.embeddings.position_ids");
        Tensors.DifferingKeys(model.state_dict(), reference.state_dict()).Should().BeEmpty();
        using var scope = NewDisposeScope();
        var (ids, mask) = StudentFixtures.TokenBatch(3, 6, 6, 2);
        Tensors.MaxDifference(model.call(StudentInput.Text(ids, mask)).Logits, reference.call(StudentInput.Text(ids, mask)).Logits).Should().Be(0);
    }

    [Fact]
    public void LoadWeights_Should_MapBareAndGammaBetaNames_And_ReportTheClassifierMissing_When_GivenABertModelFile()
    {
        // Arrange: BertModel's names (no "bert." prefix, no classifier), LayerNorm written as gamma/beta.
        using var temp = new TempFolder();
        manual_seed(12);
        using var reference = new TransformerStudent(StudentFixtures.SmallTransformer());
        SafetensorsWriter.Write(temp["model.safetensors"], [HuggingFaceFiles.PositionIds(32, prefix: string.Empty), .. HuggingFaceFiles.Entries(reference, HuggingFaceFiles.BareWithGammaBeta)]);
        using var model = new TransformerStudent(StudentFixtures.SmallTransformer());
        var classifierBefore = Tensors.Values(model.state_dict()["classifier.weight"]);

        // Act
        var report = HuggingFaceBert.LoadWeights(model, temp["model.safetensors"]);

        // Assert
        report.Missing.Should().Equal("classifier.weight", "classifier.bias");
        report.Ignored.Should().Equal("embeddings.position_ids");
        report.Unexpected.Should().BeEmpty();
        report.Loaded.Should().HaveCount(reference.state_dict().Count - 2).And.Contain("bert.embeddings.LayerNorm.weight");
        var differing = Tensors.DifferingKeys(model.state_dict(), reference.state_dict());
        differing.Should().BeEquivalentTo(["classifier.weight", "classifier.bias"], "everything but the classifier came from the file");
        Tensors.Values(model.state_dict()["classifier.weight"]).Should().Equal(classifierBefore, "the classifier keeps its random initialisation");
        using var scope = NewDisposeScope();
        var (ids, mask) = StudentFixtures.TokenBatch(4, 5, 5);
        model.call(StudentInput.Text(ids, mask)).Logits.isfinite().all().item<bool>().Should().BeTrue();
    }

    [Fact]
    public void LoadWeights_Should_ReadAPyTorchFile_When_WrittenWithTorchSave()
    {
        // Arrange: the zip layout of torch.save, written by PyBridge's pickler, with the int64 position_ids buffer.
        using var temp = new TempFolder();
        manual_seed(13);
        using var reference = new TransformerStudent(StudentFixtures.SmallTransformer());
        var stateDict = new Hashtable();
        foreach (var (key, value) in reference.state_dict())
        {
            stateDict[key] = value.detach().clone();
        }

        stateDict["bert.embeddings.position_ids"] = arange(32L).unsqueeze(0);
        PyTorchPickler.PickleStateDict(temp["pytorch_model.bin"], stateDict);
        using var model = new TransformerStudent(StudentFixtures.SmallTransformer());

        // Act
        var report = HuggingFaceBert.LoadWeights(model, temp["pytorch_model.bin"]);

        // Assert
        report.Loaded.Should().HaveCount(reference.state_dict().Count);
        report.Ignored.Should().Equal("bert.embeddings.position_ids");
        Tensors.DifferingKeys(model.state_dict(), reference.state_dict()).Should().BeEmpty();
        foreach (Tensor tensor in stateDict.Values)
        {
            tensor.Dispose();
        }
    }

    [Fact]
    public void LoadWeights_Should_NameTheKeyAndBothShapes_And_ChangeNothing_When_AShapeDiffers()
    {
        // Arrange: the file's vocabulary has 50 entries, the student's 60.
        using var temp = new TempFolder();
        using var reference = new TransformerStudent(StudentFixtures.SmallTransformer());
        SafetensorsWriter.Write(temp["model.safetensors"], HuggingFaceFiles.Entries(reference, HuggingFaceFiles.SequenceClassification));
        using var model = new TransformerStudent(StudentFixtures.SmallTransformer() with { VocabSize = 60 });
        var before = Tensors.Values(model.state_dict()["bert.pooler.dense.weight"]);

        // Act
        var act = () => HuggingFaceBert.LoadWeights(model, temp["model.safetensors"]);

        // Assert
        act.Should().Throw<DistillException>().Where(e => e.Kind == DistillErrorKind.InvalidInput).WithMessage(
            $"{temp["model.safetensors"]}: bert.embeddings.word_embeddings.weight has shape [50, 16] in the file but [60, 16] in the model; {ShapeFix}");
        Tensors.Values(model.state_dict()["bert.pooler.dense.weight"]).Should().Equal(before, "a failed load changes nothing");
    }

    [Fact]
    public void LoadWeights_Should_ListUnexpectedKeys_When_TheFileHasAnotherHead()
    {
        // Arrange: BertForPreTraining's masked-LM head beside the encoder.
        using var temp = new TempFolder();
        using var reference = new TransformerStudent(StudentFixtures.SmallTransformer());
        SafetensorsWriter.Write(
            temp["model.safetensors"],
            [.. HuggingFaceFiles.Entries(reference, HuggingFaceFiles.SequenceClassification), SafetensorsEntry.F32("cls.predictions.bias", [50], new float[50])]);
        using var model = new TransformerStudent(StudentFixtures.SmallTransformer());

        // Act
        var report = HuggingFaceBert.LoadWeights(model, temp["model.safetensors"]);

        // Assert
        report.Unexpected.Should().Equal("cls.predictions.bias");
        report.Missing.Should().BeEmpty();
        Tensors.DifferingKeys(model.state_dict(), reference.state_dict()).Should().BeEmpty();
    }

    [Fact]
    public void LoadWeights_Should_NameTheMissingWeights_When_TheStudentHasMoreLayersThanTheFile()
    {
        using var temp = new TempFolder();
        using var reference = new TransformerStudent(StudentFixtures.SmallTransformer());
        SafetensorsWriter.Write(temp["model.safetensors"], HuggingFaceFiles.Entries(reference, HuggingFaceFiles.SequenceClassification));
        using var model = new TransformerStudent(StudentFixtures.SmallTransformer() with { Layers = 3 });

        var act = () => HuggingFaceBert.LoadWeights(model, temp["model.safetensors"]);

        act.Should().Throw<DistillException>().WithMessage(
            $"{temp["model.safetensors"]}: lacks 16 weights the student needs (bert.encoder.layer.2.attention.self.query.weight, " +
            "bert.encoder.layer.2.attention.self.query.bias, bert.encoder.layer.2.attention.self.key.weight, bert.encoder.layer.2.attention.self.key.bias, " +
            "bert.encoder.layer.2.attention.self.value.weight and 11 more); the checkpoint has fewer layers or another layout: build the student from its config.json");
    }

    [Fact]
    public void LoadWeights_Should_SayWhatTheFileIs_When_ItIsNotAStateDictFile()
    {
        using var temp = new TempFolder();
        File.WriteAllText(temp["model.safetensors"], "not weights at all");
        using var model = new TransformerStudent(StudentFixtures.SmallTransformer());

        var act = () => HuggingFaceBert.LoadWeights(model, temp["model.safetensors"]);

        act.Should().Throw<DistillException>().WithMessage(
            $"{temp["model.safetensors"]}: neither a safetensors file nor a PyTorch zip file (its first 8 bytes are not a header length); pass model.safetensors or pytorch_model.bin");
    }

    [Fact]
    public void LoadWeights_Should_AskForANewerSave_When_TheFileUsesPyTorchsLegacyFormat()
    {
        // Arrange: torch.save before PyTorch 1.6 wrote a bare pickle, which starts with the protocol opcode 0x80.
        using var temp = new TempFolder();
        File.WriteAllBytes(temp["pytorch_model.bin"], [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20]);
        using var model = new TransformerStudent(StudentFixtures.SmallTransformer());

        // Act
        var act = () => HuggingFaceBert.LoadWeights(model, temp["pytorch_model.bin"]);

        // Assert
        act.Should().Throw<DistillException>().WithMessage(
            $"{temp["pytorch_model.bin"]}: saved in PyTorch's legacy (pre-1.6) format, which Distill cannot read; re-save it with torch.save(state_dict, path) from PyTorch 1.6 or later, or as safetensors");
    }

    [Fact]
    public void ReadConfig_Should_MapEveryBertConfigKey_When_GivenAConfigJson()
    {
        // Arrange: every key the student has, with values unlike the defaults.
        using var temp = new TempFolder();
        var expected = new TransformerStudentOptions
        {
            VocabSize = 1000, Hidden = 48, Layers = 3, Heads = 6, Intermediate = 100, MaxPositions = 64, TypeVocabSize = 3,
            LayerNormEps = 1e-7, HiddenDropout = 0.2, AttentionDropout = 0.3, NumLabels = 4,
        };
        HuggingFaceFiles.WriteConfig(temp["config.json"], expected, ["a", "b", "c", "d"]);

        // Act
        var options = HuggingFaceBert.ReadConfig(temp["config.json"]);

        // Assert
        options.Should().Be(expected);
    }

    [Fact]
    public void ReadConfig_Should_TakeBertConfigDefaults_When_KeysAreAbsent()
    {
        using var temp = new TempFolder();
        File.WriteAllText(temp["config.json"], """{"model_type": "bert", "num_labels": 3}""");

        var options = HuggingFaceBert.ReadConfig(temp["config.json"]);

        options.Should().Be(TransformerStudentOptions.BertBase(numLabels: 3));
    }

    [Theory]
    [InlineData("""{"model_type": "distilbert"}""", "model_type is \"distilbert\", but only \"bert\" is supported: Distill imports BERT-layout checkpoints; convert the model or pass a BERT checkpoint")]
    [InlineData("""{"hidden_act": "gelu_new"}""", "hidden_act is \"gelu_new\", but only \"gelu\" is supported: the transformer student computes BERT's exact (erf) GELU, so its outputs would differ")]
    [InlineData("""{"hidden_size": "768"}""", "hidden_size must be a whole number (was \"768\"); fix config.json")]
    [InlineData("""{"num_labels": 3, "id2label": {"0": "a", "1": "b"}}""", "num_labels is 3 but id2label names 2 classes; make them agree")]
    public void ReadConfig_Should_NameTheKeyAndValue_When_TheConfigCannotBeReproduced(string json, string problem)
    {
        using var temp = new TempFolder();
        File.WriteAllText(temp["config.json"], json);

        var act = () => HuggingFaceBert.ReadConfig(temp["config.json"]);

        act.Should().Throw<DistillException>().Where(e => e.Kind == DistillErrorKind.InvalidInput)
            .Which.Message.Should().Be($"{temp["config.json"]}: {problem}");
    }

    [Fact]
    public void Import_Should_AskForTheSettings_When_NoConfigIsBesideTheWeights()
    {
        using var temp = new TempFolder();
        using var reference = new TransformerStudent(StudentFixtures.SmallTransformer());
        SafetensorsWriter.Write(temp["model.safetensors"], HuggingFaceFiles.Entries(reference, HuggingFaceFiles.SequenceClassification));

        var act = () => HuggingFaceBert.Import(temp.Path);

        act.Should().Throw<DistillException>().WithMessage(
            $"{temp["model.safetensors"]}: no config.json beside it to read the settings from; put the checkpoint's config.json there, or pass TransformerStudentOptions that match the checkpoint");
    }

    [Fact]
    public void Import_Should_UseTheGivenSettings_When_OptionsArePassed()
    {
        using var temp = new TempFolder();
        using var reference = new TransformerStudent(StudentFixtures.SmallTransformer());
        SafetensorsWriter.Write(temp["model.safetensors"], HuggingFaceFiles.Entries(reference, HuggingFaceFiles.SequenceClassification));

        var imported = HuggingFaceBert.Import(temp["model.safetensors"], StudentFixtures.SmallTransformer());
        using var model = imported.Model;

        imported.Labels.Should().BeNull();
        model.training.Should().BeFalse();
        Tensors.DifferingKeys(model.state_dict(), reference.state_dict()).Should().BeEmpty();
    }
}
