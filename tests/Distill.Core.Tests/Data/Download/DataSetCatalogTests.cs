using Distill.Data.Download;
using Distill.TestSupport;

namespace Distill.Core.Tests.Data.Download;

public sealed class DataSetCatalogTests
{
    [Fact]
    public void Files_Should_MatchTheSharedDataLayout_When_ListedForEveryDataSet()
    {
        // Arrange
        var paths = DataSetCatalog.All.SelectMany(d => d.Files).Select(f => f.Path).ToList();

        // Assert: the catalog writes exactly the files the shared data folder holds, at the same relative paths.
        paths.Should().Equal("sst2/train.tsv", "sst2/dev.tsv", "emotion/train.txt", "emotion/val.txt", "emotion/test.txt", "vocab/bert-base-uncased.txt");
        foreach (var path in paths)
        {
            File.Exists(SharedData.Path(path.Split('/'))).Should().BeTrue($"the shared data folder has {path}");
        }
    }

    [Fact]
    public void Downloads_Should_HaveAKnownSizeAndChecksum_When_Listed()
    {
        foreach (var download in DataSetCatalog.All.SelectMany(d => d.Downloads))
        {
            download.Url.Scheme.Should().Be("https", download.FileName);
            download.Size.Should().BePositive(download.FileName);
            download.Sha256.Should().MatchRegex("^[0-9a-f]{64}$", download.FileName);
        }
    }

    [Fact]
    public void Downloads_Should_HaveTheSizeOfTheSharedCopy_When_TheFileIsNotAnArchive()
    {
        // The vocabulary is the shared file as is; each emotion split is the shared file less its 16-byte header line.
        DataSetCatalog.BertBaseUncasedVocab.Downloads[0].Size.Should().Be(new FileInfo(SharedData.Path("vocab", "bert-base-uncased.txt")).Length);
        foreach (var download in DataSetCatalog.Emotion.Downloads)
        {
            var shared = new FileInfo(SharedData.Path("emotion", download.FileName)).Length;
            download.Size.Should().Be(shared - "text;label_name\n".Length, download.FileName);
        }
    }

    [Fact]
    public void Get_Should_ListTheKnownNames_When_TheNameIsUnknown()
    {
        var act = () => DataSetCatalog.Get("mnist");

        act.Should().Throw<DistillException>()
            .Where(e => e.Kind == DistillErrorKind.InvalidInput)
            .WithMessage("unknown data set 'mnist'; known data sets: sst2, emotion, bert-base-uncased-vocab");
    }

    [Fact]
    public void Find_Should_IgnoreCase_When_TheNameIsKnown()
    {
        DataSetCatalog.Find("SST2").Should().BeSameAs(DataSetCatalog.Sst2);
        DataSetCatalog.Find(" emotion ").Should().BeSameAs(DataSetCatalog.Emotion);
        DataSetCatalog.Find("vocab").Should().BeNull();
    }
}
