using Distill.Data;

namespace Distill.Core.Tests.Data;

public class DataColumnRangeTests
{
    [Fact]
    public void ParseRange_Should_Expand_Positions_Inclusively()
    {
        var columns = DataColumn.ParseRange("1..784");

        columns.Should().HaveCount(784);
        columns[0].Should().Be(DataColumn.At(1));
        columns[^1].Should().Be(DataColumn.At(784));
    }

    [Theory]
    [InlineData("p0..p783", "p0", "p783", 784)]
    [InlineData("pixel1..pixel784", "pixel1", "pixel784", 784)]
    [InlineData("x_2 .. x_4", "x_2", "x_4", 3)]
    public void ParseRange_Should_Expand_Names_That_Differ_In_A_Trailing_Number(string text, string first, string last, int count)
    {
        var columns = DataColumn.ParseRange(text);

        columns.Should().HaveCount(count);
        columns[0].Should().Be(DataColumn.Named(first));
        columns[^1].Should().Be(DataColumn.Named(last));
    }

    [Theory]
    [InlineData("sepal_length", "sepal_length")]
    [InlineData("3", null)]
    public void ParseRange_Should_Read_A_Single_Column_As_Parse_Does(string text, string? name)
    {
        DataColumn.ParseRange(text).Should().Equal(name is null ? DataColumn.At(3) : DataColumn.Named(name));
    }

    [Theory]
    [InlineData("p0..q9", "feature columns 'p0..q9' are not a range: write first..last with two 0-based positions (1..784) or two names that differ only in a trailing number (p0..p783)")]
    [InlineData("p0..9", "feature columns 'p0..9' are not a range: write first..last with two 0-based positions (1..784) or two names that differ only in a trailing number (p0..p783)")]
    [InlineData("a..b", "feature columns 'a..b' are not a range: write first..last with two 0-based positions (1..784) or two names that differ only in a trailing number (p0..p783)")]
    [InlineData("p9..p0", "feature columns 'p9..p0' end before they start; write the first column before the last, as in p0..p783")]
    [InlineData("10..2", "feature columns '10..2' end before they start; write the first column before the last, as in p0..p783")]
    public void ParseRange_Should_Refuse_What_Is_Not_A_Range(string text, string message)
    {
        var act = () => DataColumn.ParseRange(text);

        act.Should().Throw<DistillException>().WithMessage(message);
    }
}
