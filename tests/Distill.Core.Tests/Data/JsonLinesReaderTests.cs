using Distill.Core.Tests.Students.Checkpoints;
using Distill.Data;

namespace Distill.Core.Tests.Data;

public sealed class JsonLinesReaderTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Write(string content)
    {
        File.WriteAllText(_temp["d.jsonl"], content);
        return _temp["d.jsonl"];
    }

    [Fact]
    public void Read_Should_ReadFieldsByName_When_EachLineIsAnObject()
    {
        // Arrange: a numeric label keeps its written form; the blank line is skipped and not counted.
        var path = Write("{\"q\": \"a?\", \"p\": \"b.\", \"label\": 1}\n\n{\"label\": \"0\", \"p\": \"d\", \"q\": \"c\", \"extra\": true}\n");

        // Act
        var rows = DataSource.Read(new DataSourceOptions { Path = path, TextColumns = ["q", "p"], LabelColumn = "label" }).ToList();

        // Assert
        rows.Select(r => (r.Id, string.Join("|", r.Texts), r.Label)).Should().Equal((0L, "a?|b.", "1"), (1L, "c|d", "0"));
    }

    [Fact]
    public void Read_Should_FlattenNumberArrays_When_AFeatureFieldHoldsAnArray()
    {
        var path = Write("{\"x\": [[0, 2], [4, 6]], \"bias\": 8, \"y\": \"a\"}\n");

        var row = DataSource.Read(new DataSourceOptions
        {
            Path = path, FeatureColumns = ["x", "bias"], LabelColumn = "y",
            Normalization = new FeatureNormalization { Scale = 0.5f },
        }).Single();

        row.Features.Should().Equal(0f, 1f, 2f, 3f, 4f);
    }

    [Fact]
    public void Read_Should_NameTheLineAndListTheFields_When_AFieldIsMissing()
    {
        var path = Write("{\"text\": \"a\"}\n{\"sentence\": \"b\", \"label\": 1}\n");

        var act = () => DataSource.Read(new DataSourceOptions { Path = path, TextColumns = ["text"] }).ToList();

        act.Should().Throw<DistillException>()
            .WithMessage($"{path}:2: no field 'text' (text_columns); the fields are: sentence, label");
    }

    [Fact]
    public void Read_Should_NameTheLine_When_ALineIsNotValidJson()
    {
        var path = Write("{\"text\": \"a\"}\n{\"text\": \"b\"\n");

        var act = () => DataSource.Read(new DataSourceOptions { Path = path, TextColumns = ["text"] }).ToList();

        act.Should().Throw<DistillException>().Which.Message.Should()
            .StartWith($"{path}:2: not valid JSON (").And.EndWith("); each line must hold one complete JSON object");
    }

    [Fact]
    public void Read_Should_Refuse_When_ATextFieldIsNotAString()
    {
        var path = Write("{\"text\": 5}\n");

        var act = () => DataSource.Read(new DataSourceOptions { Path = path, TextColumns = ["text"] }).ToList();

        act.Should().Throw<DistillException>().WithMessage($"{path}:1: field 'text' holds a JSON number; text fields must hold strings");
    }

    [Fact]
    public void Read_Should_CheckTheCountAgainstTheShape_When_ARowHasTooFewValues()
    {
        var path = Write("{\"x\": [1, 2, 3, 4]}\n{\"x\": [1, 2, 3]}\n");

        var act = () => DataSource.Read(new DataSourceOptions { Path = path, FeatureColumns = ["x"], FeatureShape = [1, 2, 2] }).ToList();

        act.Should().Throw<DistillException>().WithMessage(
            $"{path}:2: the row has 3 feature values but feature_shape [1, 2, 2] needs 4; fix the row or the shape");
    }

    [Fact]
    public void Read_Should_SayTheFileHasNoRows_When_ItHoldsOnlyBlankLines()
    {
        var path = Write("\n  \n");

        var act = () => DataSource.Read(new DataSourceOptions { Path = path, TextColumns = ["text"] }).ToList();

        act.Should().Throw<DistillException>().WithMessage(
            $"{path}: the file has no rows (it is empty or holds only blank lines); expected one JSON object per line");
    }

    [Fact]
    public void Read_Should_RefusePositions_When_TheFormatIsJsonLines()
    {
        var path = Write("{\"text\": \"a\"}\n");

        var errors = new DataSourceOptions { Path = path, TextColumns = [0] }.Validate();

        errors.Should().Equal(
            $"{path}: text_columns gives column 0 by position, but JSON Lines fields have no positions; give the field name");
    }

    [Fact]
    public void Read_Should_GiveOneUnlabelledRowPerNonBlankLine_When_TheFormatIsLines()
    {
        File.WriteAllText(_temp["more.txt"], "first text \n\nsecond text\n");

        var rows = DataSource.Read(new DataSourceOptions { Path = _temp["more.txt"], Format = DataFormat.Lines }).ToList();

        rows.Select(r => (r.Id, r.Texts.Single(), r.Label)).Should().Equal((0L, "first text", null), (1L, "second text", null));
    }
}
