using Distill.Students;
using static TorchSharp.torch;

namespace Distill.Core.Tests.Students.Checkpoints;

public class TransformerWidthSelectionTests
{
    // Source: 2 layers, hidden 16, 4 heads of 4, intermediate 24, 3 labels.
    private static TransformerStudentOptions Source => StudentFixtures.SmallTransformer();

    [Fact]
    public void Evenly_Should_SpreadTheChosenIndicesOverTheWholeRange()
    {
        TransformerWidthSelection.Evenly(12, 8).Should().Equal(0, 1, 3, 4, 6, 7, 9, 10);
        TransformerWidthSelection.Evenly(6, 3).Should().Equal(0, 2, 4);
        TransformerWidthSelection.Evenly(24, 12).Should().Equal(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22);
        TransformerWidthSelection.Evenly(5, 5).Should().Equal(0, 1, 2, 3, 4);
    }

    [Fact]
    public void CreateStudent_Should_SelectEvenlySpacedUnitsOfEveryWeight_When_TheStudentIsNarrower()
    {
        // Arrange: half the hidden units (0, 2, ..., 14), heads 0 and 2 whole (rows 0-3 and 8-11), half the feed-forward
        // units (0, 2, ..., 22), and source layer 1 as the only layer.
        manual_seed(41);
        using var source = new TransformerStudent(Source);
        var target = Source with { Layers = 1, Hidden = 8, Heads = 2, Intermediate = 12 };
        long[] hidden = [0, 2, 4, 6, 8, 10, 12, 14];
        long[] heads = [0, 1, 2, 3, 8, 9, 10, 11];
        long[] inner = [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22];

        // Act
        using var student = TransformerWidthSelection.CreateStudent(source, target, [1]);

        // Assert
        student.Settings.Should().Be(target);
        var s = source.state_dict();
        var t = student.state_dict();
        Expect(t["bert.embeddings.word_embeddings.weight"], Columns(s["bert.embeddings.word_embeddings.weight"], hidden));
        Expect(t["bert.embeddings.position_embeddings.weight"], Columns(s["bert.embeddings.position_embeddings.weight"], hidden));
        Expect(t["bert.embeddings.LayerNorm.weight"], Rows(s["bert.embeddings.LayerNorm.weight"], hidden));
        Expect(t["bert.encoder.layer.0.attention.self.query.weight"], Columns(Rows(s["bert.encoder.layer.1.attention.self.query.weight"], heads), hidden));
        Expect(t["bert.encoder.layer.0.attention.self.value.bias"], Rows(s["bert.encoder.layer.1.attention.self.value.bias"], heads));
        Expect(t["bert.encoder.layer.0.attention.output.dense.weight"], Columns(Rows(s["bert.encoder.layer.1.attention.output.dense.weight"], hidden), heads));
        Expect(t["bert.encoder.layer.0.attention.output.LayerNorm.bias"], Rows(s["bert.encoder.layer.1.attention.output.LayerNorm.bias"], hidden));
        Expect(t["bert.encoder.layer.0.intermediate.dense.weight"], Columns(Rows(s["bert.encoder.layer.1.intermediate.dense.weight"], inner), hidden));
        Expect(t["bert.encoder.layer.0.intermediate.dense.bias"], Rows(s["bert.encoder.layer.1.intermediate.dense.bias"], inner));
        Expect(t["bert.encoder.layer.0.output.dense.weight"], Columns(Rows(s["bert.encoder.layer.1.output.dense.weight"], hidden), inner));
        Expect(t["bert.encoder.layer.0.output.dense.bias"], Rows(s["bert.encoder.layer.1.output.dense.bias"], hidden));
        Expect(t["bert.pooler.dense.weight"], Columns(Rows(s["bert.pooler.dense.weight"], hidden), hidden));
        Tensors.MaxDifference(t["classifier.weight"], Columns(s["classifier.weight"], hidden)).Should().BeGreaterThan(0, "the classifier is new unless copyClassifier is set");
    }

    [Fact]
    public void CreateStudent_Should_TakeEvenlySpacedDimensionsOfEveryHead_When_TheHeadsAreSmaller()
    {
        // Arrange: hidden 8 in 4 heads of 2: every head, its dimensions 0 and 2; and the classifier's chosen columns.
        manual_seed(42);
        using var source = new TransformerStudent(Source);
        var target = Source with { Layers = 2, Hidden = 8, Heads = 4, Intermediate = 24 };

        // Act
        using var student = TransformerWidthSelection.CreateStudent(source, target, [0, 1], copyClassifier: true);

        // Assert
        var s = source.state_dict();
        var t = student.state_dict();
        Expect(t["bert.encoder.layer.1.attention.self.key.weight"],
            Columns(Rows(s["bert.encoder.layer.1.attention.self.key.weight"], [0, 2, 4, 6, 8, 10, 12, 14]), [0, 2, 4, 6, 8, 10, 12, 14]));
        Expect(t["bert.encoder.layer.1.intermediate.dense.bias"], s["bert.encoder.layer.1.intermediate.dense.bias"]);
        Expect(t["classifier.weight"], Columns(s["classifier.weight"], [0, 2, 4, 6, 8, 10, 12, 14]));
        Expect(t["classifier.bias"], s["classifier.bias"]);
    }

    [Fact]
    public void CreateStudent_Should_KeepTheStrongestFeedForwardUnitsInOrder_When_AskedForMagnitude()
    {
        // Arrange: in layer 0, units 3, 7, 11, 19 and 23 get the largest input and output weights (by different
        // margins, so the product of norms decides), and every other unit small ones.
        manual_seed(44);
        using var source = new TransformerStudent(Source);
        int[] strong = [3, 7, 11, 19, 23];
        using (no_grad())
        {
            var input = source.state_dict()["bert.encoder.layer.0.intermediate.dense.weight"];   // [24, 16]
            var output = source.state_dict()["bert.encoder.layer.0.output.dense.weight"];        // [16, 24]
            var inputValues = new float[24 * 16];
            var outputValues = new float[16 * 24];
            for (var j = 0; j < 24; j++)
            {
                var scale = Array.IndexOf(strong, j) is var rank and >= 0 ? 1f + rank : 0.01f;
                for (var h = 0; h < 16; h++)
                {
                    inputValues[(j * 16) + h] = scale * (((j + h) % 3) - 1 + 0.5f);
                    outputValues[(h * 24) + j] = scale * (((j * h) % 5) - 2 + 0.25f);
                }
            }

            input.copy_(tensor(inputValues, [24, 16]));
            output.copy_(tensor(outputValues, [16, 24]));
        }

        // Act: keep 4 of the 24 units.
        using var student = TransformerWidthSelection.CreateStudent(
            source, Source with { Layers = 1, Intermediate = 4 }, [0], feedForward: TransformerWidthSelection.UnitChoice.Magnitude);

        // Assert: the four strongest (unit 3 has the smallest scale of the five), in their original order.
        long[] kept = [7, 11, 19, 23];
        var s = source.state_dict();
        Expect(student.state_dict()["bert.encoder.layer.0.intermediate.dense.weight"], Rows(s["bert.encoder.layer.0.intermediate.dense.weight"], kept));
        Expect(student.state_dict()["bert.encoder.layer.0.intermediate.dense.bias"], Rows(s["bert.encoder.layer.0.intermediate.dense.bias"], kept));
        Expect(student.state_dict()["bert.encoder.layer.0.output.dense.weight"], Columns(s["bert.encoder.layer.0.output.dense.weight"], kept));
    }

    [Fact]
    public void CreateStudent_Should_ComputeWhatLayerSelectionDoes_When_TheWidthIsTheSame()
    {
        manual_seed(43);
        using var source = new TransformerStudent(Source);
        using var byLayers = TransformerLayerSelection.CreateStudent(source, [1]);
        using var byWidth = TransformerWidthSelection.CreateStudent(source, Source with { Layers = 1 }, [1], copyClassifier: true);
        byLayers.eval();
        byWidth.eval();

        Tensors.DifferingKeys(byWidth.state_dict(), byLayers.state_dict()).Should().BeEmpty();
        using var scope = NewDisposeScope();
        var (ids, mask) = StudentFixtures.TokenBatch(5, 6, 6, 3);
        Tensors.MaxDifference(byWidth.call(StudentInput.Text(ids, mask)).Logits, byLayers.call(StudentInput.Text(ids, mask)).Logits).Should().Be(0);
    }

    [Fact]
    public void CreateStudent_Should_SayWhatDoesNotFit_When_TheStudentIsWiderOrTheLayersAreWrong()
    {
        using var source = new TransformerStudent(Source);

        var wider = () => TransformerWidthSelection.CreateStudent(source, Source with { Layers = 2, Hidden = 32, Heads = 4, Intermediate = 48 }, [0, 0]);

        wider.Should().Throw<DistillException>().Which.Message.Should().Be(
            "cannot select a student of 2 layers, hidden 32, 4 heads, intermediate 48 from a model of 2 layers, hidden 16, 4 heads, intermediate 24: " +
            "hidden 32 is wider than 16; a head of 8 (hidden / heads) is wider than the source's 4; intermediate 48 is wider than 24; layer 0 is listed 2 times");
        var outOfRange = () => TransformerWidthSelection.CreateStudent(source, Source with { Layers = 1 }, [2]);
        outOfRange.Should().Throw<DistillException>().Which.Message.Should().EndWith(": layer 2 is out of range (0 to 1)");
    }

    private static Tensor Rows(Tensor t, long[] rows) => t.index_select(0, tensor(rows));

    private static Tensor Columns(Tensor t, long[] columns) => t.index_select(1, tensor(columns));

    private static void Expect(Tensor actual, Tensor expected)
    {
        actual.shape.Should().Equal(expected.shape);
        Tensors.MaxDifference(actual, expected).Should().Be(0);
    }
}
