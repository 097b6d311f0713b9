using Distill.Core.Tests.Export.Support;
using Distill.Core.Tests.Students;
using Distill.Core.Tests.Teacher.Support;
using Distill.Export;
using Distill.Students;
using Distill.Teacher;
using Onnx;
using static TorchSharp.torch;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Distill.Core.Tests.Teacher;

public class TeacherInputBindingTests
{
    [Fact]
    public void ForText_Should_FeedEachInputItsOwnTensor_When_NamesAreHuggingFaces()
    {
        // Arrange
        var teacher = Inputs(("input_ids", DataType.Int64), ("attention_mask", DataType.Int64), ("token_type_ids", DataType.Int64));

        // Act
        var binding = TeacherInputBinding.ForText(teacher, hasSegmentIds: true);

        // Assert
        binding.Inputs.Select(i => (i.Input.Name, i.Kind, i.Zeros)).Should().Equal(
            ("input_ids", TeacherInputKind.InputIds, false),
            ("attention_mask", TeacherInputKind.AttentionMask, false),
            ("token_type_ids", TeacherInputKind.TokenTypeIds, false));
        binding.Find(TeacherInputKind.AttentionMask)!.Input.Describe().Should().Be("int64 [batch, sequence]");
    }

    [Fact]
    public void ForText_Should_FeedZerosToTokenTypes_When_DistillHasNoSegmentIds()
    {
        // Arrange
        manual_seed(1);
        using var model = new TransformerStudent(StudentFixtures.SmallTransformer());
        var teacher = TeacherGraph.Inspect(OnnxExporter.ToModel(model));

        // Act
        var binding = TeacherInputBinding.ForText(teacher, hasSegmentIds: false);

        // Assert
        binding.Find(TeacherInputKind.TokenTypeIds)!.Zeros.Should().BeTrue();
        binding.Find(TeacherInputKind.InputIds)!.Zeros.Should().BeFalse();
        binding.ToString().Should().Be("input_ids ← input_ids, attention_mask ← attention_mask, token_type_ids ← zeros");
    }

    [Fact]
    public void ForText_Should_MatchCommonNames_When_ModelUsesTensorFlowNames()
    {
        // Arrange
        var teacher = Inputs(("input_word_ids:0", DataType.Int32), ("input_mask:0", DataType.Int32), ("segment_ids:0", DataType.Int32));

        // Act
        var binding = TeacherInputBinding.ForText(teacher, hasSegmentIds: true);

        // Assert
        binding.Inputs.Select(i => i.Kind).Should().Equal(TeacherInputKind.InputIds, TeacherInputKind.AttentionMask, TeacherInputKind.TokenTypeIds);
        binding.Inputs.Should().OnlyContain(i => i.Input.ElementType == DataType.Int32);
    }

    [Fact]
    public void ForText_Should_FollowTheInputMap_When_ItContradictsTheNames()
    {
        // Arrange: the user says the input called input_mask holds segment ids, and mask_1 is the attention mask.
        var teacher = Inputs(("input_ids", DataType.Int64), ("input_mask", DataType.Int64), ("mask_1", DataType.Int64));
        var map = new Dictionary<string, TeacherInputKind> { ["input_mask"] = TeacherInputKind.TokenTypeIds, ["mask_1"] = TeacherInputKind.AttentionMask };

        // Act
        var binding = TeacherInputBinding.ForText(teacher, hasSegmentIds: true, map);

        // Assert
        binding.Find(TeacherInputKind.TokenTypeIds)!.Input.Name.Should().Be("input_mask");
        binding.Find(TeacherInputKind.AttentionMask)!.Input.Name.Should().Be("mask_1");
        binding.Find(TeacherInputKind.InputIds)!.Input.Name.Should().Be("input_ids");
    }

    [Fact]
    public void ForText_Should_FindTokenIdsByStructure_When_TheirNameSaysNothing()
    {
        // Arrange: a Hugging Face-shaped BERT whose token-id input is called "src".
        manual_seed(2);
        using var model = new TransformerStudent(StudentFixtures.SmallTransformer());
        var onnx = HuggingFaceBertOnnx.Build(model);
        onnx.Graph.Input.Single(i => i.Name == "input_ids").Name = "src";
        foreach (var node in onnx.Graph.Node)
        {
            for (var i = 0; i < node.Input.Count; i++)
            {
                node.Input[i] = node.Input[i] == "input_ids" ? "src" : node.Input[i];
            }
        }

        // Act
        var binding = TeacherInputBinding.ForText(TeacherGraph.Inspect(onnx), hasSegmentIds: false);

        // Assert: the embedding Gather with the largest table reads "src"; token_type_ids index a 2-row table.
        binding.Find(TeacherInputKind.InputIds)!.Input.Name.Should().Be("src");
        binding.Find(TeacherInputKind.TokenTypeIds)!.Zeros.Should().BeTrue();
    }

    [Fact]
    public void ForText_Should_ListTheModelsInputsAndDistills_When_AnInputCannotBeFed()
    {
        // Arrange
        var teacher = Inputs(("input_ids", DataType.Int64), ("attention_mask", DataType.Int64), ("position_ids", DataType.Int64));

        // Act
        var bind = () => TeacherInputBinding.ForText(teacher, hasSegmentIds: false);

        // Assert
        bind.Should().Throw<DistillException>().Which.Message.Should().Be(
            "teacher.onnx: cannot feed model input 'position_ids' (int64 [batch, sequence]); "
            + "the model takes input_ids: int64 [batch, sequence], attention_mask: int64 [batch, sequence], position_ids: int64 [batch, sequence]; "
            + "Distill has input_ids, attention_mask, token_type_ids (token_type_ids as zeros: single texts); "
            + "map it to InputIds, AttentionMask or TokenTypeIds in the input map, or use a teacher that takes text");
    }

    [Fact]
    public void ForText_Should_Fail_When_TheTeacherTakesFloatFeatures()
    {
        // Arrange
        manual_seed(3);
        using var model = new MlpStudent(StudentFixtures.SmallMlp());
        var teacher = TeacherGraph.Inspect(OnnxExporter.ToModel(model), "mlp.onnx");

        // Act
        var bind = () => TeacherInputBinding.ForText(teacher, hasSegmentIds: false);

        // Assert
        bind.Should().Throw<DistillException>().Which.Message.Should()
            .StartWith("mlp.onnx: cannot feed model input 'features' (float [batch, 12]); the model takes features: float [batch, 12]; Distill has input_ids");
    }

    [Fact]
    public void ForFeatures_Should_BindTheOneFloatInput_When_ItsNameIsUnknown()
    {
        // Arrange
        var teacher = Inputs(("input.1", DataType.Float));

        // Act
        var binding = TeacherInputBinding.ForFeatures(teacher);

        // Assert
        binding.Inputs.Should().ContainSingle().Which.Kind.Should().Be(TeacherInputKind.Features);
        binding.Find(TeacherInputKind.Features)!.Input.Name.Should().Be("input.1");
    }

    [Fact]
    public void ForFeatures_Should_BindTheMlpsFeatures_When_TeacherIsDistillsMlp()
    {
        // Arrange
        manual_seed(3);
        using var model = new MlpStudent(StudentFixtures.SmallMlp());
        var teacher = TeacherGraph.Inspect(OnnxExporter.ToModel(model));

        // Act
        var binding = TeacherInputBinding.ForFeatures(teacher);

        // Assert
        binding.ToString().Should().Be("features ← features");
    }

    [Fact]
    public void ForText_Should_ReportASchemaMismatch_When_TokenIdsAreFloat()
    {
        // Arrange
        var teacher = Inputs(("input_ids", DataType.Float), ("attention_mask", DataType.Int64));

        // Act
        var bind = () => TeacherInputBinding.ForText(teacher, hasSegmentIds: false);

        // Assert
        bind.Should().Throw<DistillException>().Which.Message.Should().Be(
            "teacher.onnx: Schema mismatch for model input 'input_ids' (fed input_ids): expected int64 or int32 [batch, sequence], got float [batch, sequence]; map the input to what it holds in the input map");
    }

    [Fact]
    public void ForText_Should_RefuseToGuess_When_TwoInputsLookLikeTheMask()
    {
        // Arrange
        var teacher = Inputs(("input_ids", DataType.Int64), ("attention_mask", DataType.Int64), ("input_mask", DataType.Int64));

        // Act
        var bind = () => TeacherInputBinding.ForText(teacher, hasSegmentIds: false);

        // Assert
        bind.Should().Throw<DistillException>().Which.Message.Should()
            .Contain("model inputs 'attention_mask' and 'input_mask' both look like attention_mask")
            .And.EndWith("say which one is in the input map (e.g. attention_mask: AttentionMask)");
    }

    [Fact]
    public void ForText_Should_NameTheModelsInputs_When_TheInputMapNamesAnUnknownInput()
    {
        // Arrange
        var teacher = Inputs(("input_ids", DataType.Int64), ("attention_mask", DataType.Int64));
        var map = new Dictionary<string, TeacherInputKind> { ["segment"] = TeacherInputKind.TokenTypeIds };

        // Act
        var bind = () => TeacherInputBinding.ForText(teacher, hasSegmentIds: true, map);

        // Assert
        bind.Should().Throw<DistillException>().Which.Message.Should()
            .StartWith("teacher.onnx: the input map names 'segment', which is not a model input; the model takes input_ids: int64 [batch, sequence], attention_mask: int64 [batch, sequence];")
            .And.NotContain("\n");
    }

    [Fact]
    public void ForText_Should_LeaveTheMaskUnfed_When_TheModelTakesOnlyTokenIds()
    {
        // Arrange
        var teacher = Inputs(("tokens", DataType.Int64));

        // Act
        var binding = TeacherInputBinding.ForText(teacher, hasSegmentIds: false);

        // Assert
        binding.Inputs.Should().ContainSingle().Which.Kind.Should().Be(TeacherInputKind.InputIds);
        binding.Find(TeacherInputKind.AttentionMask).Should().BeNull();
    }

    // An inspection of a model with the given inputs ([batch, sequence], or [batch, 8] for floats) and one Identity.
    private static TeacherInspection Inputs(params (string Name, DataType Type)[] inputs)
    {
        var values = inputs.Select(i => TinyOnnxModel.Tensor(i.Name, i.Type, "batch", i.Type == DataType.Float && inputs.Length == 1 ? 8 : "sequence")).ToList();
        var model = TinyOnnxModel.Model("inputs", [TinyOnnxModel.Node("Identity", [inputs[0].Name], ["out"])], values,
            [TinyOnnxModel.Tensor("out", inputs[0].Type, "batch", "sequence")]);
        return TeacherGraph.Inspect(model, "teacher.onnx");
    }
}
