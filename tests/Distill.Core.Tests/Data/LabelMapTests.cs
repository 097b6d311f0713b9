using Distill.Core.Tests.Students.Checkpoints;
using Distill.Data;

namespace Distill.Core.Tests.Data;

public class LabelMapTests
{
    [Fact]
    public void Infer_Should_KeepIntegerValuesAsIds_When_EveryLabelIsAnInteger()
    {
        // "10" sorts before "2" as text; the integer rule must still put it at id 10.
        var labels = Enumerable.Range(0, 11).Reverse().Select(i => i.ToString()).Concat(["3", "3"]);

        var map = LabelMap.Infer(labels);

        map.Labels.Should().Equal("0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10");
        map.GetId("10").Should().Be(10);
    }

    [Fact]
    public void Infer_Should_NameTheMissingInteger_When_IntegerLabelsHaveAGap()
    {
        var act = () => LabelMap.Infer(["0", "1", "3", "1"], "train.tsv");

        act.Should().Throw<DistillException>().Where(e => e.Kind == DistillErrorKind.InvalidInput).WithMessage(
            "train.tsv: the labels are integers but not 0..3 without gaps: missing 2 (saw 0, 1, 3); integer label k is " +
            "class k, so give the label list explicitly in the teacher's output order");
    }

    [Fact]
    public void Infer_Should_SayZeroIsMissing_When_LabelsStartAtOne()
    {
        var act = () => LabelMap.Infer(["1", "2", "3", "4", "5"]);

        act.Should().Throw<DistillException>().WithMessage("*missing 0 (saw 1, 2, 3, 4, 5)*");
    }

    [Fact]
    public void Infer_Should_NameTenMissingIntegersAndSayMore_When_MoreThanTenAreMissing()
    {
        var act = () => LabelMap.Infer(["0", "20"], "train.tsv");

        act.Should().Throw<DistillException>().WithMessage(
            "train.tsv: the labels are integers but not 0..20 without gaps: missing 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 and more " +
            "(saw 0, 20); integer label k is class k, so give the label list explicitly in the teacher's output order");
    }

    [Fact]
    public void Infer_Should_SortOrdinally_When_LabelsAreNotAllIntegers()
    {
        var map = LabelMap.Infer(["sadness", "joy", "Zeal", "anger", "joy", "01"]);

        map.Labels.Should().Equal("01", "Zeal", "anger", "joy", "sadness");
    }

    [Fact]
    public void Infer_Should_NameTheRow_When_ALabelIsMissing()
    {
        var act = () => LabelMap.Infer(["a", null], "train.tsv");

        act.Should().Throw<DistillException>().WithMessage("train.tsv: row 1 has no label;*");
    }

    [Fact]
    public void FromLabels_Should_KeepTheGivenOrder_When_TheTeachersOrderIsGiven()
    {
        var map = LabelMap.FromLabels(["sadness", "joy", "love", "anger", "fear", "surprise"]);

        map.GetId("anger").Should().Be(3);
        map.GetLabel(5).Should().Be("surprise");
        map.Count.Should().Be(6);
    }

    [Fact]
    public void FromLabels_Should_ListEveryProblem_When_TheListRepeatsAndHasAnEmptyLabel()
    {
        var act = () => LabelMap.FromLabels(["a", "", "a"]);

        act.Should().Throw<DistillException>().WithMessage(
            "Invalid label list: the label list has an empty label (at position 1); the label list repeats 'a'; each " +
            "class must appear once");
    }

    [Fact]
    public void GetId_Should_ListTheKnownLabels_When_TheLabelIsUnknown()
    {
        var map = LabelMap.FromLabels(["neg", "pos"]);

        var act = () => map.GetId("neutral");

        act.Should().Throw<DistillException>().WithMessage("unknown label 'neutral'; the known labels are: neg, pos");
    }

    [Fact]
    public void Load_Should_GiveBackTheSameMap_When_ItWasSaved()
    {
        // Arrange
        using var temp = new TempFolder();
        var map = LabelMap.FromLabels(["sadness", "joy", "love"]);

        // Act
        map.Save(temp["labels.json"]);
        var loaded = LabelMap.Load(temp["labels.json"]);

        // Assert
        loaded.Labels.Should().Equal("sadness", "joy", "love");
        File.ReadAllText(temp["labels.json"]).Should().Contain("\"format\": \"distill.labels\"").And.Contain("\"format_version\": 1");
    }

    [Fact]
    public void FromJson_Should_NameTheSource_When_TheJsonIsAnotherFormat()
    {
        var act = () => LabelMap.FromJson("{\"format\": \"distill.checkpoint\", \"labels\": []}", "x.json");

        act.Should().Throw<DistillException>().WithMessage(
            "x.json: not a label map (format was 'distill.checkpoint', expected 'distill.labels' with a labels list)");
    }

    [Fact]
    public void FromJson_Should_NameTheSource_When_TheSavedListRepeatsALabel()
    {
        var act = () => LabelMap.FromJson("{\"format\": \"distill.labels\", \"format_version\": 1, \"labels\": [\"a\", \"a\"]}", "x.json");

        act.Should().Throw<DistillException>().WithMessage("x.json: Invalid label list: the label list repeats 'a'*");
    }
}
