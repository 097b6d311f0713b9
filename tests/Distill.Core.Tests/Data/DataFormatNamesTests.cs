using Distill.Data;

namespace Distill.Core.Tests.Data;

public class DataFormatNamesTests
{
    [Theory]
    [InlineData(DataFormat.Tsv, "tsv")]
    [InlineData(DataFormat.Csv, "csv")]
    [InlineData(DataFormat.JsonLines, "jsonl")]
    [InlineData(DataFormat.Lines, "lines")]
    [InlineData(DataFormat.ImageFolder, "image_folder")]
    public void Of_And_TryParse_Should_Agree_With_The_Json_Names(DataFormat format, string name)
    {
        DataFormatNames.Of(format).Should().Be(name);
        DataFormatNames.TryParse(name, out var parsed).Should().BeTrue();
        parsed.Should().Be(format);
        System.Text.Json.JsonSerializer.Serialize(format).Should().Be($"\"{name}\"");
    }

    [Fact]
    public void TryParse_Should_Refuse_A_Name_That_Is_Not_Written_So()
    {
        DataFormatNames.TryParse("JsonLines", out _).Should().BeFalse();
        DataFormatNames.TryParse("TSV", out _).Should().BeFalse();
    }

    [Fact]
    public void List_Should_Name_The_Formats_As_Messages_Do()
    {
        DataFormatNames.List(DataFormatNames.All).Should().Be("tsv, csv, jsonl, lines or image_folder");
        DataFormatNames.List(DataFormatNames.Text).Should().Be("tsv, csv, jsonl or lines");
    }
}
