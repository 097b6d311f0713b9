using Distill.Core.Tests.Students.Checkpoints;
using Distill.Data;

namespace Distill.Core.Tests.Data;

public sealed class DelimitedReaderTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Write(string name, string content)
    {
        File.WriteAllText(_temp[name], content);
        return _temp[name];
    }

    private static DistillException ReadAllError(DataSourceOptions options, LabelMap? labels = null)
    {
        var act = () => DataSource.Read(options, labels).ToList();
        return act.Should().Throw<DistillException>().Which;
    }

    [Fact]
    public void Read_Should_ReturnTextsLabelsAndPositionIds_When_TsvHasAHeader()
    {
        // Arrange
        var path = Write("train.tsv", "sentence\tlabel\nit 's charming . \t1\n\nbleak \t0\n");

        // Act
        var rows = DataSource.Read(new DataSourceOptions { Path = path, TextColumns = ["sentence"], LabelColumn = "label" }).ToList();

        // Assert: the blank line is neither a row nor counted; the trailing space is trimmed.
        rows.Should().Equal(
            [new DataRow(0, ["it 's charming ."], "1"), new DataRow(1, ["bleak"], "0")],
            (a, b) => a.Id == b.Id && a.Texts.SequenceEqual(b.Texts) && a.Label == b.Label && a.Features == null);
    }

    [Fact]
    public void Read_Should_ReadColumnsByPosition_When_TheFileHasNoHeader()
    {
        var path = Write("emotion.txt", "i feel fine;joy\ni feel low;sadness\n");

        var rows = DataSource.Read(new DataSourceOptions
        {
            Path = path, Format = DataFormat.Csv, Delimiter = ';', HasHeader = false, TextColumns = [0], LabelColumn = 1,
        }).ToList();

        rows.Select(r => (r.Id, r.Texts[0], r.Label)).Should().Equal((0L, "i feel fine", "joy"), (1L, "i feel low", "sadness"));
    }

    [Fact]
    public void Read_Should_InferCsvFromTheDelimiter_When_TheExtensionIsTxt()
    {
        var path = Write("data.txt", "a;b\n");

        var options = new DataSourceOptions { Path = path, Delimiter = ';', HasHeader = false, TextColumns = [0] };

        options.ResolvedFormat.Should().Be(DataFormat.Csv);
        DataSource.Read(options).Single().Texts.Should().Equal("a");
    }

    [Fact]
    public void Read_Should_UnquoteFields_When_CsvFieldsHoldDelimitersQuotesAndLineBreaks()
    {
        var path = Write("pairs.csv",
            "premise,hypothesis,label\n\"a, b\",\"she said \"\"hi\"\"\",entailment\n\"two\nlines\",plain,neutral\nc,d,contradiction\n");

        var rows = DataSource.Read(new DataSourceOptions
        {
            Path = path, TextColumns = ["premise", "hypothesis"], LabelColumn = "label",
        }).ToList();

        rows.Select(r => r.Texts.ToArray()).Should().BeEquivalentTo(
            [new[] { "a, b", "she said \"hi\"" }, ["two\nlines", "plain"], ["c", "d"]], o => o.WithStrictOrdering());
        rows.Select(r => r.Id).Should().Equal(0, 1, 2);
    }

    [Fact]
    public void Read_Should_KeepAStrayQuoteAsText_When_ItIsInsideAnUnquotedField()
    {
        var path = Write("t.tsv", "text\n12\" vinyl\n");

        var row = DataSource.Read(new DataSourceOptions { Path = path, TextColumns = ["text"] }).Single();

        row.Texts[0].Should().Be("12\" vinyl");
    }

    [Fact]
    public void Read_Should_ReadQuotesAsText_When_QuotedFieldsIsFalse()
    {
        var path = Write("t.tsv", "text\tlabel\n\"quoted\" start, then more\t1\n");

        var row = DataSource.Read(new DataSourceOptions
        {
            Path = path, TextColumns = ["text"], LabelColumn = "label", QuotedFields = false,
        }).Single();

        row.Texts[0].Should().Be("\"quoted\" start, then more");
    }

    [Fact]
    public void Read_Should_ParseAndNormalizeFeatures_When_FeatureColumnsAndAShapeAreGiven()
    {
        // Arrange: a 2-channel 1x2 "image" after the label column; channel c is the c-th block of 2 values.
        var path = Write("px.csv", "label,p0,p1,p2,p3\n3,0,255,51,102\n");
        var options = new DataSourceOptions
        {
            Path = path, LabelColumn = "label", FeatureColumns = DataColumn.Range(1, 4), FeatureShape = [2, 1, 2],
            Normalization = new FeatureNormalization { Scale = 1 / 255f, Mean = [0.5f, 0.1f], Std = [0.5f, 0.2f] },
        };

        // Act
        var row = DataSource.Read(options).Single();

        // Assert: (x/255 - mean_c) / std_c, worked by hand.
        row.Label.Should().Be("3");
        row.Texts.Should().BeEmpty();
        row.Features.Should().Equal([-1f, 1f, 0.5f, 1.5f], (a, b) => Math.Abs(a - b) < 1e-6f);
    }

    [Fact]
    public void Read_Should_GiveMnistShapedRows_When_784PixelColumnsFollowTheLabel()
    {
        // Arrange: MNIST as CSV (label, pixel0..pixel783), pixel k = k % 256, and MNIST's normalization.
        var header = "label," + string.Join(",", Enumerable.Range(0, 784).Select(k => $"pixel{k}"));
        var row = "7," + string.Join(",", Enumerable.Range(0, 784).Select(k => k % 256));
        var path = Write("mnist.csv", $"{header}\n{row}\n{row}\n");
        var options = new DataSourceOptions
        {
            Path = path, LabelColumn = "label", FeatureColumns = DataColumn.Range(1, 784), FeatureShape = [1, 28, 28],
            Normalization = new FeatureNormalization { Scale = 1 / 255f, Mean = [0.1307f], Std = [0.3081f] },
        };

        // Act
        var rows = DataSource.Read(options).ToList();

        // Assert
        rows.Should().HaveCount(2);
        rows[1].Id.Should().Be(1);
        rows[1].Label.Should().Be("7");
        rows[1].Features.Should().HaveCount(784);
        rows[1].Features![300].Should().BeApproximately((300 % 256 / 255f - 0.1307f) / 0.3081f, 1e-6f);
        options.ResolvedFeatureShape.Should().Equal(1, 28, 28);
    }

    [Fact]
    public void Read_Should_NameTheColumnTheFileAndTheColumnsThatExist_When_AColumnIsMissing()
    {
        var path = Write("train.tsv", "sentence\tlabel\nok\t1\n");

        var error = ReadAllError(new DataSourceOptions { Path = path, TextColumns = ["text"], LabelColumn = "label" });

        error.Kind.Should().Be(DistillErrorKind.InvalidInput);
        error.Message.Should().Be($"{path}: no column 'text' for the text in the header; the columns are: sentence, label; name one of them, or give its 0-based index");
    }

    [Fact]
    public void Read_Should_MatchAHeaderIgnoringCase_When_NoColumnMatchesExactly()
    {
        var path = Write("train.tsv", "Sentence\tLabel\nok\t1\n");

        var row = DataSource.Read(new DataSourceOptions { Path = path, TextColumns = ["sentence"], LabelColumn = "label" }).Single();

        row.Label.Should().Be("1");
    }

    [Fact]
    public void Read_Should_SayHowManyFieldsRowsHave_When_APositionIsPastTheLastColumn()
    {
        var path = Write("e.txt", "a;joy\n");

        var error = ReadAllError(new DataSourceOptions
        {
            Path = path, Delimiter = ';', HasHeader = false, TextColumns = [0], LabelColumn = 2,
        });

        error.Message.Should().Be(
            $"{path}:1: column 2 (label_column) does not exist; the rows have 2 fields (columns 0..1); positions start at 0");
    }

    [Fact]
    public void Read_Should_NameTheLine_When_ARowHasTheWrongNumberOfFields()
    {
        // Arrange: line 4 (after a blank line) has an unquoted comma.
        var path = Write("d.csv", "text,label\nfine,1\n\nnot, fine,0\n");

        // Act
        var error = ReadAllError(new DataSourceOptions { Path = path, TextColumns = ["text"], LabelColumn = "label" });

        // Assert
        error.Message.Should().Be(
            $"{path}:4: expected 2 fields, as the header has, but found 3; a field that contains the delimiter (',') must be quoted");
    }

    [Fact]
    public void Read_Should_NameTheLineColumnAndValue_When_AFeatureIsNotANumber()
    {
        var path = Write("f.csv", "a,b\n1,2\n3,x7\n");

        var error = ReadAllError(new DataSourceOptions { Path = path, FeatureColumns = ["a", "b"] });

        error.Message.Should().StartWith($"{path}:3: column 'b' holds 'x7', which is not a finite number;");
    }

    [Fact]
    public void Read_Should_NameTheLine_When_AQuotedFieldIsNeverClosed()
    {
        var path = Write("q.csv", "text,label\nok,1\n\"open,0\nmore,1\n");

        var error = ReadAllError(new DataSourceOptions { Path = path, TextColumns = ["text"], LabelColumn = "label" });

        error.Message.Should().StartWith($"{path}:3: a quoted field is never closed;");
    }

    [Theory]
    [InlineData("", true, "the file is empty; expected a header row, then data rows")]
    [InlineData("\n\n", true, "the file is empty; expected a header row, then data rows")]
    [InlineData("sentence\tlabel\n", true, "the file has a header (sentence, label) but no data rows")]
    [InlineData("", false, "the file is empty; expected data rows")]
    public void Read_Should_SayTheFileIsEmpty_When_ItHasNoDataRows(string content, bool hasHeader, string expected)
    {
        var path = Write("empty.tsv", content);

        var error = ReadAllError(new DataSourceOptions
        {
            Path = path, HasHeader = hasHeader, TextColumns = [hasHeader ? "sentence" : 0],
        });

        error.Message.Should().Be($"{path}: {expected}");
    }

    [Fact]
    public void Read_Should_NameFileLineAndLabelAndListTheKnownLabels_When_AnEvalLabelIsUnknown()
    {
        // Arrange
        var labels = LabelMap.FromLabels(["negative", "positive"]);
        var path = Write("dev.tsv", "sentence\tlabel\ngood\tpositive\nmeh\tneutral\n");

        // Act
        var error = ReadAllError(new DataSourceOptions { Path = path, TextColumns = ["sentence"], LabelColumn = "label" }, labels);

        // Assert
        error.Message.Should().Be(
            $"{path}:3: unknown label 'neutral' (column 'label'); the known labels are: negative, positive; fix the row, " +
            "or give the full label list in the teacher's output order");
    }

    [Fact]
    public void Read_Should_NameTheLine_When_ALabelIsEmpty()
    {
        var path = Write("d.tsv", "sentence\tlabel\ngood\t\n");

        var error = ReadAllError(new DataSourceOptions { Path = path, TextColumns = ["sentence"], LabelColumn = "label" });

        error.Message.Should().StartWith($"{path}:2: the label (column 'label') is empty;");
    }

    [Fact]
    public void Read_Should_ReadLazily_When_TheCallerStopsEarly()
    {
        // Arrange: the second data row is malformed; taking one row must not reach it.
        var path = Write("d.tsv", "sentence\tlabel\ngood\t1\nbad\n");
        var options = new DataSourceOptions { Path = path, TextColumns = ["sentence"], LabelColumn = "label" };

        // Act
        var first = DataSource.Read(options).Take(1).ToList();

        // Assert
        first.Should().ContainSingle().Which.Texts.Should().Equal("good");
    }
}
