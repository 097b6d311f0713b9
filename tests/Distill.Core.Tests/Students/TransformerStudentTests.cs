using Distill.Students;
using static TorchSharp.torch;

namespace Distill.Core.Tests.Students;

public class TransformerStudentTests
{
    [Fact]
    public void StateDict_Should_UseHuggingFaceBertNames()
    {
        using var model = new TransformerStudent(StudentFixtures.SmallTransformer() with { Layers = 1 });

        var keys = model.state_dict().Keys.ToList();

        // BertForSequenceClassification's keys for one layer, as Hugging Face names them.
        keys.Should().BeEquivalentTo(
            "bert.embeddings.word_embeddings.weight", "bert.embeddings.position_embeddings.weight",
            "bert.embeddings.token_type_embeddings.weight", "bert.embeddings.LayerNorm.weight", "bert.embeddings.LayerNorm.bias",
            "bert.encoder.layer.0.attention.self.query.weight", "bert.encoder.layer.0.attention.self.query.bias",
            "bert.encoder.layer.0.attention.self.key.weight", "bert.encoder.layer.0.attention.self.key.bias",
            "bert.encoder.layer.0.attention.self.value.weight", "bert.encoder.layer.0.attention.self.value.bias",
            "bert.encoder.layer.0.attention.output.dense.weight", "bert.encoder.layer.0.attention.output.dense.bias",
            "bert.encoder.layer.0.attention.output.LayerNorm.weight", "bert.encoder.layer.0.attention.output.LayerNorm.bias",
            "bert.encoder.layer.0.intermediate.dense.weight", "bert.encoder.layer.0.intermediate.dense.bias",
            "bert.encoder.layer.0.output.dense.weight", "bert.encoder.layer.0.output.dense.bias",
            "bert.encoder.layer.0.output.LayerNorm.weight", "bert.encoder.layer.0.output.LayerNorm.bias",
            "bert.pooler.dense.weight", "bert.pooler.dense.bias", "classifier.weight", "classifier.bias");
    }

    [Fact]
    public void ParameterCount_Should_MatchBertBase_When_ShapedLikeIt()
    {
        using var model = new TransformerStudent(TransformerStudentOptions.BertBase());

        // bert-base-uncased has 109,482,240 parameters; the 2-class classifier adds 768·2 + 2.
        model.ParameterCount.Should().Be(109_482_240 + 1_538);
    }

    [Fact]
    public void Forward_Should_ReturnEveryIntermediate_When_Asked()
    {
        using var scope = NewDisposeScope();
        using var model = new TransformerStudent(StudentFixtures.SmallTransformer());
        model.eval();
        var (ids, mask) = StudentFixtures.TokenBatch(1, 7, 7, 3);

        var output = model.call(StudentInput.Text(ids, mask, capture: Intermediates.All));

        output.Logits.shape.Should().Equal(2, 3);
        output.HiddenStates!.Should().HaveCount(3).And.OnlyContain(h => h.shape.SequenceEqual(new long[] { 2, 7, 16 }));
        output.AttentionScores!.Should().HaveCount(2).And.OnlyContain(s => s.shape.SequenceEqual(new long[] { 2, 4, 7, 7 }));
        output.Values!.Should().HaveCount(2).And.OnlyContain(v => v.shape.SequenceEqual(new long[] { 2, 4, 7, 4 }));
        var probabilities = output.AttentionProbabilities![0];
        probabilities.sum(-1).allclose(ones(2, 4, 7), atol: 1e-5).Should().BeTrue("each query's attention is a distribution");
        probabilities[1, .., .., 3..].abs().max().item<float>().Should().BeLessThan(1e-6f, "padded keys get no attention");
        output.FeatureMaps.Should().BeNull();
    }

    [Fact]
    public void Forward_Should_ReturnLogitsOnly_When_NothingIsAsked()
    {
        using var scope = NewDisposeScope();
        using var model = new TransformerStudent(StudentFixtures.SmallTransformer());
        var (ids, mask) = StudentFixtures.TokenBatch(1, 5, 5);

        var output = model.call(StudentInput.Text(ids, mask));

        output.HiddenStates.Should().BeNull();
        output.AttentionScores.Should().BeNull();
        output.AttentionProbabilities.Should().BeNull();
        output.Values.Should().BeNull();
    }

    [Fact]
    public void Forward_Should_SayWhatIsWrong_When_TheSequenceIsTooLong()
    {
        using var scope = NewDisposeScope();
        using var model = new TransformerStudent(StudentFixtures.SmallTransformer());
        var (ids, mask) = StudentFixtures.TokenBatch(1, 40, 40);

        var act = () => model.call(StudentInput.Text(ids, mask));

        act.Should().Throw<ArgumentException>().WithMessage("transformer student: sequence length 40 exceeds max_positions 32; truncate the input*");
    }

    [Fact]
    public void ForwardFromLayer_Should_MatchForward_When_StartedFromAnyHiddenState()
    {
        using var scope = NewDisposeScope();
        using var model = new TransformerStudent(StudentFixtures.SmallTransformer() with { Layers = 3 });
        model.eval();
        var (ids, mask) = StudentFixtures.TokenBatch(2, 6, 6, 4, 2);
        var output = model.call(StudentInput.Text(ids, mask, capture: Intermediates.HiddenStates));

        for (var k = 0; k <= 3; k++)
        {
            var logits = model.ForwardFromLayer(output.HiddenStates![k], mask, k);

            logits.shape.Should().Equal(3, 3);
            (logits - output.Logits).abs().max().item<float>().Should().BeLessThan(1e-6f, $"layers {k}.. continue from hidden state {k}");
        }
    }

    [Fact]
    public void ForwardFromLayer_Should_RunTheHeadOnly_When_StartedAfterTheLastLayer()
    {
        using var scope = NewDisposeScope();
        using var model = new TransformerStudent(StudentFixtures.SmallTransformer());
        model.eval();
        manual_seed(3);
        var hidden = randn(2, 5, 16);
        var state = model.state_dict();

        var logits = model.ForwardFromLayer(hidden, ones(2, 5), 2);

        // classifier(tanh(pooler(hidden of token 0))), by hand.
        var pooled = (hidden[.., 0].matmul(state["bert.pooler.dense.weight"].t()) + state["bert.pooler.dense.bias"]).tanh();
        var expected = pooled.matmul(state["classifier.weight"].t()) + state["classifier.bias"];
        (logits - expected).abs().max().item<float>().Should().BeLessThan(1e-6f);
    }

    [Fact]
    public void ForwardFromLayer_Should_SayWhatIsWrong_When_TheInputDoesNotFit()
    {
        using var scope = NewDisposeScope();
        using var model = new TransformerStudent(StudentFixtures.SmallTransformer());

        var pastTheEnd = () => model.ForwardFromLayer(zeros(2, 5, 16), ones(2, 5), 3);
        var wrongWidth = () => model.ForwardFromLayer(zeros(2, 5, 8), ones(2, 5), 0);
        var wrongMask = () => model.ForwardFromLayer(zeros(2, 5, 16), ones(2, 4), 0);

        pastTheEnd.Should().Throw<ArgumentException>().WithMessage("transformer student: firstLayer must be 0 to 2 (the layer count, for the head only), was 3*");
        wrongWidth.Should().Throw<ArgumentException>().WithMessage("transformer student: hidden must be floating point of shape [batch, sequence, 16] (hidden = 16), got Float32 [2, 5, 8]*");
        wrongMask.Should().Throw<ArgumentException>().WithMessage("transformer student: attentionMask must be [batch, sequence] = [2, 5] like hidden, got [2, 4]*");
    }
}
