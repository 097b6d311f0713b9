using Distill.Core.Tests.Students.Checkpoints;
using Distill.Data;

namespace Distill.Core.Tests.Data;

public class TransferSetAugmenterTests
{
    private static readonly DataRow[] Training =
    [
        new(0, ["the film is a charming and often affecting journey"], "1"),
        new(1, ["the film is bleak and desperate"], "0"),
        new(2, ["a sometimes tedious film"], "0"),
    ];

    private static TransferSetAugmenter Augmenter(TransferSetAugmentationOptions options) =>
        TransferSetAugmenter.Create(Training, options);

    [Fact]
    public void Options_Should_DefaultToThePapersProbabilities_When_OnlyCopiesAreGiven()
    {
        var options = new TransferSetAugmentationOptions { Copies = 20 };

        (options.MaskProbability, options.SwapProbability, options.NgramProbability, options.MaxNgram)
            .Should().Be((0.1, 0.1, 0.25, 5));
        options.Validate().Should().BeEmpty();
    }

    [Fact]
    public void Augment_Should_GiveTheOriginalThenUnlabelledNumberedCopies_When_AugmentingRows()
    {
        // Arrange
        var augmenter = Augmenter(new TransferSetAugmentationOptions { Copies = 4, DiscardDuplicates = false });

        // Act
        var rows = augmenter.Augment(Training.Take(2)).ToList();

        // Assert
        rows.Select(r => (r.Id, r.AugmentationId, r.Label)).Should().Equal(
            (0L, 0, "1"), (0L, 1, null), (0L, 2, null), (0L, 3, null), (0L, 4, null),
            (1L, 0, "0"), (1L, 1, null), (1L, 2, null), (1L, 3, null), (1L, 4, null));
        rows[0].Should().BeSameAs(Training[0]);
    }

    [Fact]
    public void Augment_Should_GiveTheSameCopies_When_TheSeedAndRowsAreTheSame()
    {
        var options = new TransferSetAugmentationOptions { Copies = 10, Seed = 7 };

        var first = Augmenter(options).Augment(Training).Select(r => (r.Id, r.AugmentationId, string.Join("|", r.Texts))).ToList();
        var second = Augmenter(options).Augment(Training).Select(r => (r.Id, r.AugmentationId, string.Join("|", r.Texts))).ToList();
        var otherSeed = Augmenter(options with { Seed = 8 }).Augment(Training).Select(r => string.Join("|", r.Texts)).ToList();

        second.Should().Equal(first);
        otherSeed.Should().NotEqual(first.Select(r => r.Item3));
    }

    [Fact]
    public void Copies_Should_NotDependOnEarlierRows_When_ARowIsAugmentedAloneOrAfterOthers()
    {
        var augmenter = Augmenter(new TransferSetAugmentationOptions { Copies = 5, Seed = 3 });

        var alone = augmenter.Augment([Training[2]]).Select(r => r.Texts[0]).ToList();
        var afterOthers = augmenter.Augment(Training).Where(r => r.Id == 2).Select(r => r.Texts[0]).ToList();

        afterOthers.Should().Equal(alone);
    }

    [Fact]
    public void Copies_Should_MaskEveryWord_When_MaskProbabilityIsOne()
    {
        var augmenter = Augmenter(new TransferSetAugmentationOptions
        {
            Copies = 3, MaskProbability = 1, SwapProbability = 0, NgramProbability = 0, DiscardDuplicates = false,
        });

        var copies = augmenter.Copies(Training[2]);

        copies.Should().HaveCount(3).And.OnlyContain(c => c.Single() == "[MASK] [MASK] [MASK] [MASK]");
    }

    [Fact]
    public void Copies_Should_SwapEveryWordForAnotherTrainingWord_When_SwapProbabilityIsOne()
    {
        // Arrange
        var vocabulary = Training.SelectMany(r => r.Texts[0].Split(' ')).ToHashSet();
        var augmenter = Augmenter(new TransferSetAugmentationOptions
        {
            Copies = 20, MaskProbability = 0, SwapProbability = 1, NgramProbability = 0,
        });
        var original = Training[0].Texts[0].Split(' ');

        // Act
        var copies = augmenter.Copies(Training[0]).Select(c => c.Single().Split(' ')).ToList();

        // Assert: same length, every word from the training words and different from the word it replaced.
        copies.Should().NotBeEmpty().And.OnlyContain(c => c.Length == original.Length);
        copies.SelectMany(c => c).Should().OnlyContain(w => vocabulary.Contains(w));
        copies.Should().OnlyContain(c => c.Zip(original).All(p => p.First != p.Second));
        augmenter.VocabularySize.Should().Be(vocabulary.Count);
    }

    [Fact]
    public void Copies_Should_DrawSwapsInProportionToWordFrequency_When_WordsAreUneven()
    {
        // Arrange: "common" is 9 of every 10 training words; the row's word is neither, so any draw is kept.
        var training = Enumerable.Range(0, 100).Select(i => new DataRow(i, ["common common common common common common common common common rare"], "0"));
        var augmenter = TransferSetAugmenter.Create(training.Append(new DataRow(100, ["x"], "0")), new TransferSetAugmentationOptions
        {
            Copies = 1, MaskProbability = 0, SwapProbability = 1, NgramProbability = 0, DiscardDuplicates = false,
        });

        // Act: 2,000 single-word rows, one copy each.
        var draws = Enumerable.Range(0, 2000).Select(i => augmenter.Copies(new DataRow(i, ["x"], null))[0][0]).ToList();

        // Assert: common ≈ 900/1001 of draws, rare ≈ 100/1001, x ≈ 1/1001 (but never x, which is the word itself).
        var common = draws.Count(w => w == "common") / 2000.0;
        common.Should().BeApproximately(900 / 1000.0, 0.03);
        draws.Should().NotContain("x");
    }

    [Fact]
    public void Copies_Should_KeepAContiguousNgramOfOneToFiveWords_When_NgramProbabilityIsOne()
    {
        // Arrange
        var row = new DataRow(0, ["w0 w1 w2 w3 w4 w5 w6 w7 w8 w9"], "1");
        var augmenter = Augmenter(new TransferSetAugmentationOptions
        {
            Copies = 200, MaskProbability = 0, SwapProbability = 0, NgramProbability = 1, DiscardDuplicates = false,
        });

        // Act
        var copies = augmenter.Copies(row).Select(c => c.Single()).ToList();

        // Assert: each copy is a run of consecutive words, and every n from 1 to 5 occurs.
        copies.Should().OnlyContain(c => row.Texts[0].Contains(c));
        copies.Select(c => c.Split(' ').Length).Distinct().Order().Should().Equal(1, 2, 3, 4, 5);
    }

    [Fact]
    public void Copies_Should_MaskAboutTheGivenShareOfWords_When_MaskProbabilityIsTheDefault()
    {
        // Arrange
        var row = new DataRow(0, [string.Join(' ', Enumerable.Range(0, 50).Select(i => $"w{i}"))], "1");
        var augmenter = Augmenter(new TransferSetAugmentationOptions { Copies = 100, NgramProbability = 0, DiscardDuplicates = false });

        // Act
        var words = augmenter.Copies(row).SelectMany(c => c.Single().Split(' ')).ToList();

        // Assert: 5,000 words, 10% masked (± 1.5 points, over four standard deviations).
        words.Should().HaveCount(5000);
        (words.Count(w => w == "[MASK]") / 5000.0).Should().BeApproximately(0.1, 0.015);
    }

    [Fact]
    public void Copies_Should_DropCopiesEqualToTheOriginalOrEachOther_When_DiscardingDuplicates()
    {
        // A one-word row with nothing to swap to has only two possible copies: itself and [MASK].
        var augmenter = TransferSetAugmenter.Create([new DataRow(0, ["solo"], "1")],
            new TransferSetAugmentationOptions { Copies = 50, MaskProbability = 0.5, SwapProbability = 0 });

        var copies = augmenter.Copies(new DataRow(0, ["solo"], "1"));

        copies.Select(c => c.Single()).Should().Equal("[MASK]");
    }

    [Fact]
    public void Copies_Should_AugmentBothTexts_When_TheRowIsASentencePair()
    {
        var augmenter = Augmenter(new TransferSetAugmentationOptions
        {
            Copies = 2, MaskProbability = 1, SwapProbability = 0, NgramProbability = 0, DiscardDuplicates = false,
        });

        var copies = augmenter.Copies(new DataRow(0, ["a man sleeps", "nobody"], "entailment"));

        copies.Should().AllSatisfy(c => c.Should().Equal("[MASK] [MASK] [MASK]", "[MASK]"));
    }

    [Fact]
    public void AugmentUnlabelled_Should_RenumberAfterTheLabelledRowsAndDropLabels_When_ReadingALinesFile()
    {
        // Arrange
        using var temp = new TempFolder();
        File.WriteAllText(temp["more.txt"], "an in-domain review\n\nanother one\n");
        var unlabelled = DataSource.Read(new DataSourceOptions { Path = temp["more.txt"], Format = DataFormat.Lines });
        var augmenter = Augmenter(new TransferSetAugmentationOptions { Copies = 2, DiscardDuplicates = false });

        // Act
        var rows = augmenter.AugmentUnlabelled(unlabelled, firstId: Training.Length).ToList();

        // Assert
        rows.Select(r => (r.Id, r.AugmentationId, r.Label)).Should().Equal(
            (3L, 0, null), (3L, 1, null), (3L, 2, null), (4L, 0, null), (4L, 1, null), (4L, 2, null));
        rows[0].Texts.Should().Equal("an in-domain review");
    }

    [Fact]
    public void Copies_Should_Refuse_When_TheRowHasNoText()
    {
        var augmenter = Augmenter(new TransferSetAugmentationOptions { Copies = 1 });

        var act = () => augmenter.Copies(new DataRow(9, [], "1", [0f]));

        act.Should().Throw<DistillException>().Where(e => e.Kind == DistillErrorKind.InvalidInput).WithMessage(
            "row 9 has no text; transfer-set augmentation applies to text rows, not float features");
    }

    [Fact]
    public void Create_Should_ListEveryProblem_When_TheOptionsAreWrong()
    {
        var act = () => Augmenter(new TransferSetAugmentationOptions
        {
            Copies = 0, MaskProbability = 0.7, SwapProbability = 0.6, NgramProbability = 1.5,
        });

        act.Should().Throw<DistillException>().WithMessage(
            "Invalid augmentation settings: augmentation.copies must be >= 1 (was 0); the paper used up to 20; " +
            "augmentation.p_ng must be in [0, 1] (was 1.5); augmentation.p_mask + augmentation.p_pos must be <= 1, since " +
            "a word is masked or swapped, not both (was 1.3)");
    }
}
