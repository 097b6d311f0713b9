using Distill.Students;
using Distill.Students.Internal;
using static TorchSharp.torch;

namespace Distill.Core.Tests.Students.Checkpoints;

public class TransformerLayerSelectionTests
{
    [Fact]
    public void CreateStudent_Should_ComputeTheTeachersFirstLayers_When_LayersAreZeroAndOne()
    {
        // Arrange
        manual_seed(21);
        using var teacher = new TransformerStudent(StudentFixtures.SmallTransformer() with { Layers = 3 });
        teacher.eval();

        // Act
        using var student = TransformerLayerSelection.CreateStudent(teacher, [0, 1]);

        // Assert
        student.eval();
        student.Settings.Should().Be(teacher.Settings with { Layers = 2 });
        using var scope = NewDisposeScope();
        var (ids, mask) = StudentFixtures.TokenBatch(5, 7, 7, 4);
        var input = StudentInput.Text(ids, mask, capture: Intermediates.HiddenStates);
        var studentStates = student.call(input).HiddenStates!;
        var teacherStates = teacher.call(input).HiddenStates!;
        studentStates.Should().HaveCount(3);
        for (var i = 0; i < 3; i++)
        {
            Tensors.MaxDifference(studentStates[i], teacherStates[i]).Should().Be(0, "hidden state {0} (embeddings, then layers 0 and 1) is the teacher's", i);
        }

        var teacherState = teacher.state_dict();
        foreach (var key in new[] { "bert.pooler.dense.weight", "classifier.weight", "classifier.bias" })
        {
            Tensors.Values(student.state_dict()[key]).Should().Equal(Tensors.Values(teacherState[key]), "{0} is copied", key);
        }
    }

    [Fact]
    public void CreateStudent_Should_ApplyEachChosenTeacherLayer_When_TheSelectionSkipsLayers()
    {
        // Arrange
        manual_seed(22);
        using var teacher = new TransformerStudent(StudentFixtures.SmallTransformer() with { Layers = 4 });
        teacher.eval();
        int[] layers = [1, 3];

        // Act
        using var student = TransformerLayerSelection.CreateStudent(teacher, layers);

        // Assert: student layer k's output is teacher layer layers[k] applied to the student's state before it.
        student.eval();
        using var scope = NewDisposeScope();
        var (ids, mask) = StudentFixtures.TokenBatch(6, 6, 6, 3);
        var states = student.call(StudentInput.Text(ids, mask, capture: Intermediates.HiddenStates)).HiddenStates!;
        var teacherEmbeddings = teacher.call(StudentInput.Text(ids, mask, capture: Intermediates.HiddenStates)).HiddenStates![0];
        Tensors.MaxDifference(states[0], teacherEmbeddings).Should().Be(0, "the embeddings are copied");
        var additiveMask = (1 - mask.to(ScalarType.Float32)).view(2, 1, 1, 6) * TransformerStudent.MaskValue;
        var teacherLayers = teacher.named_modules().ToDictionary(m => m.name, m => m.module);
        for (var k = 0; k < layers.Length; k++)
        {
            var chosen = (BertLayer)teacherLayers[$"bert.encoder.layer.{layers[k]}"];
            var expected = chosen.Forward(states[k], additiveMask).Hidden;
            Tensors.MaxDifference(states[k + 1], expected).Should().Be(0, "student layer {0} is teacher layer {1}", k, layers[k]);
        }
    }

    [Fact]
    public void CreateStudent_Should_InitialiseANewClassifier_When_TheLabelCountsDiffer()
    {
        manual_seed(23);
        using var teacher = new TransformerStudent(StudentFixtures.SmallTransformer());

        using var student = TransformerLayerSelection.CreateStudent(teacher, [1], numLabels: 5);

        student.NumLabels.Should().Be(5);
        student.state_dict()["classifier.weight"].shape.Should().Equal(5, 16);
        Tensors.Values(student.state_dict()["bert.pooler.dense.weight"]).Should().Equal(Tensors.Values(teacher.state_dict()["bert.pooler.dense.weight"]));
        Tensors.Values(student.state_dict()["bert.encoder.layer.0.output.dense.weight"])
            .Should().Equal(Tensors.Values(teacher.state_dict()["bert.encoder.layer.1.output.dense.weight"]));
    }

    [Theory]
    [InlineData(new[] { 0, 4 }, "layers[1] is 4, out of range for a teacher of 4 layers (0 to 3); layers were [0, 4]")]
    [InlineData(new[] { -1 }, "layers[0] is -1, out of range for a teacher of 4 layers (0 to 3); layers were [-1]")]
    [InlineData(new[] { 2, 0, 2 }, "layers lists teacher layer 2 2 times (at 0, 2); each layer can be copied once; layers were [2, 0, 2]")]
    [InlineData(new int[0], "layers is empty; choose at least one of the teacher's 4 layers (0 to 3), e.g. every other one: [0, 2]")]
    public void CreateStudent_Should_NameTheIndex_When_LayersAreOutOfRangeRepeatedOrEmpty(int[] layers, string message)
    {
        using var teacher = new TransformerStudent(StudentFixtures.SmallTransformer() with { Layers = 4 });

        var act = () => TransformerLayerSelection.CreateStudent(teacher, layers);

        act.Should().Throw<DistillException>().Where(e => e.Kind == DistillErrorKind.InvalidInput).Which.Message.Should().Be(message);
    }

    [Theory]
    [InlineData(12, new[] { 0, 2, 4, 6, 8, 10 })]
    [InlineData(3, new[] { 0, 2 })]
    [InlineData(1, new[] { 0 })]
    public void EveryOtherLayer_Should_TakeDistilBertsLayers(int teacherLayers, int[] expected)
    {
        var layers = TransformerLayerSelection.EveryOtherLayer(teacherLayers);

        layers.Should().Equal(expected);
    }
}
