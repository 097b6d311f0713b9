using Distill.TestSupport;
using Distill.Data;

namespace Distill.Core.Tests.Data;

/// <summary>The shared SST-2 and emotion files (see /work/shared/data/README.md), read as a recipe would read them.</summary>
public class RealDataSetTests
{
    private static DataSourceOptions Sst2(string split) => new()
    {
        Path = SharedData.Path("sst2", $"{split}.tsv"), TextColumns = ["sentence"], LabelColumn = "label",
    };

    // emotion's files begin with a "text;label_name" header line, although the data README says they have none.
    private static DataSourceOptions Emotion(string split) => new()
    {
        Path = SharedData.Path("emotion", $"{split}.txt"), Delimiter = ';', TextColumns = [0], LabelColumn = 1,
    };

    [Fact]
    public void Read_Should_Give872RowsWithTheirLabels_When_ReadingSst2Dev()
    {
        // Act
        var rows = DataSource.Read(Sst2("dev")).ToList();

        // Assert: counts from `awk -F'\t'` over the file; the first row as the file writes it, trailing space trimmed.
        rows.Should().HaveCount(872);
        rows.Select(r => r.Id).Should().Equal(Enumerable.Range(0, 872).Select(i => (long)i));
        rows.GroupBy(r => r.Label).ToDictionary(g => g.Key!, g => g.Count())
            .Should().BeEquivalentTo(new Dictionary<string, int> { ["0"] = 428, ["1"] = 444 });
        rows[0].Texts.Should().Equal("it 's a charming and often affecting journey .");
        rows.Select(r => r.Texts[0]).Should().Equal(SharedData.Sst2DevSentences(872));
    }

    [Fact]
    public void Read_Should_Stream67349Rows_When_ReadingSst2Train()
    {
        // Arrange
        var train = DataSource.Read(Sst2("train"));

        // Act: count while iterating, holding no rows.
        long count = 0, positive = 0, lastId = -1;
        foreach (var row in train)
        {
            count++;
            positive += row.Label == "1" ? 1 : 0;
            lastId = row.Id;
        }

        // Assert
        count.Should().Be(67_349);
        positive.Should().Be(37_569);
        lastId.Should().Be(67_348);
    }

    [Fact]
    public void Infer_Should_MapSst2LabelsToTheirIntegers_When_ReadFromTrain()
    {
        var map = LabelMap.Infer(DataSource.Read(Sst2("dev")).Select(r => r.Label));

        map.Labels.Should().Equal("0", "1");
    }

    [Fact]
    public void Read_Should_CheckEmotionValidationLabelsAgainstTrain_When_UsingTheTrainLabelMap()
    {
        // Arrange: the default map sorts emotion's names; a teacher trained on the Hugging Face dataset has another order.
        var map = LabelMap.Infer(DataSource.Read(Emotion("train")).Select(r => r.Label), "emotion/train.txt");

        // Act
        var validation = DataSource.Read(Emotion("val"), map).ToList();

        // Assert
        map.Labels.Should().Equal("anger", "fear", "joy", "love", "sadness", "surprise");
        validation.Should().HaveCount(2000);
        validation.Count(r => r.Label == "surprise").Should().Be(81);
        validation[0].Texts.Should().Equal("im feeling quite sad and sorry for myself but ill snap out of it soon");
    }

    [Fact]
    public void Read_Should_TurnTheHeaderIntoAnUnknownLabel_When_EmotionIsReadWithoutAHeader()
    {
        // The README says emotion has no header; trusting it makes "label_name" a label, which the map catches at line 1.
        var map = LabelMap.FromLabels(["sadness", "joy", "love", "anger", "fear", "surprise"]);

        var act = () => DataSource.Read(Emotion("val") with { HasHeader = false }, map).First();

        act.Should().Throw<DistillException>().WithMessage($"{SharedData.Path("emotion", "val.txt")}:1: unknown label 'label_name'*");
    }
}
