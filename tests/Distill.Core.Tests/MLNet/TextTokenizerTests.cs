using Distill.MLNet;
using Distill.MLNet.Internal;
using Distill.Text;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Distill.Core.Tests.MLNet;

public sealed class TextTokenizerTests
{
    private readonly MLContext _mlContext = new(seed: 1);

    [Fact]
    public void Transform_Should_GiveTextEncodersIds_When_TokenizingRealSst2Sentences()
    {
        var data = MLNetFixture.Sst2(_mlContext, "dev", rows: 40);
        var encoder = TextEncoder.Create(new TextEncoderOptions { VocabPath = MLNetFixture.VocabPath, MaxLength = 24 });

        var tokenized = _mlContext.Distillation().Tokenize(MLNetFixture.VocabPath, "Sentence", maxLength: 24).Fit(data).Transform(data);

        var expected = MLNetFixture.Sentences("dev", 40).Select(encoder.Encode).ToList();
        var ids = MLNetFixture.Vectors<long>(tokenized, DistillColumnNames.InputIds);
        var mask = MLNetFixture.Vectors<long>(tokenized, DistillColumnNames.AttentionMask);
        var types = MLNetFixture.Vectors<long>(tokenized, DistillColumnNames.TokenTypeIds);
        ids.Should().HaveCount(40);
        for (var i = 0; i < 40; i++)
        {
            ids[i].Should().Equal(expected[i].InputIds, $"row {i} should be tokenized as TextEncoder does");
            mask[i].Should().Equal(Enumerable.Repeat(1L, expected[i].Length));
            types[i].Should().Equal(expected[i].TokenTypeIds);
        }

        ids.Should().Contain(row => row.Length == 24, "some dev sentences are longer than 24 tokens and are cut");
        ids.Select(row => row[0]).Should().AllBeEquivalentTo(101L, "every row starts with [CLS]");
    }

    [Fact]
    public void Transform_Should_EncodeSentencePairs_When_APairColumnIsGiven()
    {
        var data = _mlContext.Data.LoadFromEnumerable(new[] { new Pair { First = "The cat sat.", Second = "A dog barked loudly." } });
        var encoder = TextEncoder.Create(new TextEncoderOptions { VocabPath = MLNetFixture.VocabPath });

        var tokenized = _mlContext.Distillation().Tokenize(MLNetFixture.VocabPath, "First", "Second").Fit(data).Transform(data);

        var expected = encoder.Encode("The cat sat.", "A dog barked loudly.");
        MLNetFixture.Vectors<long>(tokenized, DistillColumnNames.InputIds).Single().Should().Equal(expected.InputIds);
        MLNetFixture.Vectors<long>(tokenized, DistillColumnNames.TokenTypeIds).Single().Should().Equal(expected.TokenTypeIds);
        expected.TokenTypeIds.Should().Contain(1, "the second sentence has segment id 1");
    }

    [Fact]
    public void GetOutputSchema_Should_AgreeWithTheFittedTransformer_When_TheInputHasText()
    {
        var data = MLNetFixture.Sst2(_mlContext, rows: 4);
        var estimator = _mlContext.Distillation().Tokenize(MLNetFixture.VocabPath, "Sentence");

        var shape = estimator.GetOutputSchema(SchemaShapes.Of(data.Schema));
        var schema = estimator.Fit(data).Transform(data).Schema;

        MLNetFixture.ShouldAgree(shape, schema);
        schema[DistillColumnNames.InputIds].Type.Should().Be(new VectorDataViewType(NumberDataViewType.Int64));
        shape.Select(c => c.Name).Should().Contain(["Sentence", "Label", "InputIds", "AttentionMask", "TokenTypeIds"]);
    }

    [Fact]
    public void Fit_Should_SayCouldNotFindTextColumn_When_TheColumnIsMissing()
    {
        var data = MLNetFixture.Sst2(_mlContext, rows: 2);
        var estimator = _mlContext.Distillation().Tokenize(MLNetFixture.VocabPath);

        var fit = () => estimator.Fit(data);
        var shape = () => estimator.GetOutputSchema(SchemaShapes.Of(data.Schema));

        fit.Should().Throw<ArgumentOutOfRangeException>().WithMessage("Could not find text column 'Text'; the input has columns Sentence, Label; set TextColumnName*");
        shape.Should().Throw<ArgumentOutOfRangeException>().WithMessage("Could not find text column 'Text'*");
    }

    [Fact]
    public void Transform_Should_SaySchemaMismatch_When_TheTextColumnIsNotText()
    {
        var numbers = _mlContext.Data.LoadFromEnumerable(new[] { new Number { Text = 1.5f } });
        var text = _mlContext.Data.LoadFromEnumerable(new[] { new Pair { First = "x", Second = "y" } });
        var transformer = _mlContext.Distillation().Tokenize(MLNetFixture.VocabPath, "First").Fit(text);
        var estimator = _mlContext.Distillation().Tokenize(MLNetFixture.VocabPath);

        var transform = () => transformer.Transform(numbers);
        var fit = () => estimator.Fit(numbers);

        transform.Should().Throw<ArgumentOutOfRangeException>().WithMessage("Could not find text column 'First'*");
        fit.Should().Throw<ArgumentOutOfRangeException>().WithMessage("Schema mismatch for text column 'Text': expected String, got Single; *");
    }

    [Fact]
    public void Constructor_Should_ListEveryProblem_When_TheOptionsAreInvalid()
    {
        var options = new TextTokenizerOptions
        {
            Encoder = new TextEncoderOptions { VocabPath = "missing-vocab.txt", MaxLength = 2 },
            InputIdsColumnName = "Ids",
            AttentionMaskColumnName = "Ids",
        };

        var create = () => new TextTokenizerEstimator(options);

        create.Should().Throw<DistillException>()
            .WithMessage("*missing-vocab.txt: vocabulary file not found*max_length must be >= 3*InputIdsColumnName and AttentionMaskColumnName all name the column 'Ids'*");
    }

    private sealed class Pair
    {
        public string First { get; set; } = string.Empty;

        public string Second { get; set; } = string.Empty;
    }

    private sealed class Number
    {
        public float Text { get; set; }
    }
}
