using Distill.Core.Tests.Students.Checkpoints;
using Distill.Data;

namespace Distill.Core.Tests.Data;

public sealed class DataSourceOptionsTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("a.tsv", DataFormat.Tsv)]
    [InlineData("a.CSV", DataFormat.Csv)]
    [InlineData("a.jsonl", DataFormat.JsonLines)]
    [InlineData("a.ndjson", DataFormat.JsonLines)]
    public void ResolvedFormat_Should_FollowTheExtension_When_NoFormatIsGiven(string name, DataFormat expected)
    {
        var options = new DataSourceOptions { Path = _temp[name] };

        options.ResolvedFormat.Should().Be(expected);
    }

    [Fact]
    public void ResolvedFormat_Should_BeImageFolder_When_ThePathIsAFolder()
    {
        var options = new DataSourceOptions { Path = _temp.Path };

        options.ResolvedFormat.Should().Be(DataFormat.ImageFolder);
    }

    [Fact]
    public void Validate_Should_AskForTheFormat_When_TheExtensionSaysNothing()
    {
        File.WriteAllText(_temp["emotion.txt"], "a;joy\n");

        var errors = new DataSourceOptions { Path = _temp["emotion.txt"], TextColumns = [0] }.Validate().ToList();

        errors.Should().Equal(
            $"{_temp["emotion.txt"]}: cannot tell the format from the extension '.txt'; set format to tsv, csv, jsonl, lines " +
            "or image_folder (or set a delimiter for a delimited file)");
    }

    [Fact]
    public void Validate_Should_ReturnEveryError_When_SeveralSettingsAreWrong()
    {
        // Arrange: a missing file, three text columns, a named column without a header, a shape that does not fit.
        var path = _temp["missing.csv"];
        var options = new DataSourceOptions
        {
            Path = path, HasHeader = false, TextColumns = [0, 1, 2], LabelColumn = "label",
        };

        // Act
        var errors = options.Validate().ToList();

        // Assert
        errors.Should().Equal(
            $"{path}: file not found",
            $"{path}: text_columns must name one column, or two for sentence pairs (was 3: 0, 1, 2)",
            $"{path}: label_column names column 'label', but has_header is false so columns have no names; give its " +
            "0-based position, or set has_header: true");
    }

    [Fact]
    public void Validate_Should_NameTheShapeAndTheColumnCount_When_TheyDisagree()
    {
        File.WriteAllText(_temp["px.csv"], "a,b,c\n1,2,3\n");

        var errors = new DataSourceOptions
        {
            Path = _temp["px.csv"], FeatureColumns = ["a", "b", "c"], FeatureShape = [1, 2, 2],
        }.Validate().ToList();

        errors.Should().Equal(
            $"{_temp["px.csv"]}: feature_shape [1, 2, 2] holds 4 values but feature_columns lists 3; the two must agree");
    }

    [Fact]
    public void Validate_Should_CheckTheNormalizationAgainstTheChannels_When_FeaturesHaveAShape()
    {
        File.WriteAllText(_temp["px.csv"], "a,b\n1,2\n");

        var errors = new DataSourceOptions
        {
            Path = _temp["px.csv"], FeatureColumns = ["a", "b"], FeatureShape = [1, 1, 2],
            Normalization = new FeatureNormalization { Mean = [0.5f, 0.5f, 0.5f], Std = [0.5f] },
        }.Validate().ToList();

        errors.Should().Equal(
            $"{_temp["px.csv"]}: normalization.mean has 3 values but the features have 1 channel; give one mean per channel, or none");
    }

    [Fact]
    public void Validate_Should_AskForTheImageSize_When_AnImageFolderHasNone()
    {
        var errors = new DataSourceOptions { Path = _temp.Path, ImageChannels = 4 }.Validate().ToList();

        errors.Should().Equal(
            $"{_temp.Path}: image_height and image_width must be > 0 for an image folder (were unset and unset); give the " +
            "teacher's input size, such as 224 and 224",
            $"{_temp.Path}: image_channels must be 1 (grayscale) or 3 (RGB) (was 4)");
    }

    [Fact]
    public void Read_Should_ThrowBeforeIterating_When_TheOptionsAreInvalid()
    {
        var act = () => DataSource.Read(new DataSourceOptions { Path = _temp["nope.tsv"], TextColumns = ["text"] });

        act.Should().Throw<DistillException>().Where(e => e.Kind == DistillErrorKind.InvalidInput)
            .WithMessage($"{_temp["nope.tsv"]}: file not found");
    }
}
