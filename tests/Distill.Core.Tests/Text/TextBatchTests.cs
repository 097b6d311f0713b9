using Distill.Text;

namespace Distill.Core.Tests.Text;

public class TextBatchTests
{
    private static readonly EncodedText Short = new([101, 7, 102], [0, 0, 0], false);
    private static readonly EncodedText Pair = new([101, 5, 102, 6, 9, 102], [0, 0, 0, 1, 1, 1], false);

    [Fact]
    public void Pad_Should_PadToTheLongestRowWithZerosAndMaskThem_When_RowsDifferInLength()
    {
        var batch = TextBatch.Pad([Short, Pair]);

        batch.Shape.Should().Equal(2, 6);
        batch.InputIds.Should().Equal(101, 7, 102, 0, 0, 0, /**/ 101, 5, 102, 6, 9, 102);
        batch.AttentionMask.Should().Equal(1, 1, 1, 0, 0, 0, /**/ 1, 1, 1, 1, 1, 1);
        batch.TokenTypeIds.Should().Equal(0, 0, 0, 0, 0, 0, /**/ 0, 0, 0, 1, 1, 1);
    }

    [Fact]
    public void Pad_Should_PadToTheGivenLengthAndId_When_TheyAreGiven()
    {
        var batch = TextBatch.Pad([Short], padToLength: 5, padId: 3);

        batch.Shape.Should().Equal(1, 5);
        batch.InputIds.Should().Equal(101, 7, 102, 3, 3);
        batch.AttentionMask.Should().Equal(1, 1, 1, 0, 0);
    }

    [Fact]
    public void Pad_Should_Refuse_When_TheGivenLengthIsShorterThanARow()
    {
        var act = () => TextBatch.Pad([Short, Pair], padToLength: 4);

        act.Should().Throw<ArgumentException>().WithMessage("pad length 4 is shorter than the longest row (6 tokens)*");
    }

    [Fact]
    public void Pad_Should_Refuse_When_ThereAreNoRows()
    {
        var act = () => TextBatch.Pad([]);

        act.Should().Throw<ArgumentException>();
    }
}
