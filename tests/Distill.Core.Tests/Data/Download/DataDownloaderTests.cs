using System.IO.Compression;
using System.Security.Cryptography;
using Distill.Data.Download;
using Distill.TestSupport;

namespace Distill.Core.Tests.Data.Download;

/// <summary><see cref="DataDownloader"/> against a small HTTP server on 127.0.0.1 started by each test.</summary>
public sealed class DataDownloaderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("distill-downloader-").FullName;
    private readonly LocalHttpServer _server = LocalHttpServer.Start();

    public void Dispose()
    {
        _server.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private string DataDir => Path.Combine(_folder, "data");

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private string[] Entries() => Directory.EnumerateFileSystemEntries(_folder, "*", SearchOption.AllDirectories).ToArray();

    private static byte[] EmotionSplit(string split)
    {
        var shared = File.ReadAllBytes(SharedData.Path("emotion", split));
        return shared[(Array.IndexOf(shared, (byte)'\n') + 1)..];
    }

    [Fact]
    public async Task GetAsync_Should_ReportProgressUpToTheTotal_When_Downloading()
    {
        // Arrange
        var zip = Sst2Zip.Create(padding: 20_000);
        var url = _server.Serve("SST-2.zip", zip.Bytes);
        var reports = new List<DownloadProgress>();
        using var downloader = new DataDownloader();

        // Act
        var result = await downloader.GetAsync(DataSetCatalog.Sst2, new DataGetOptions { Directory = DataDir, Url = url, Sha256 = Sha256(zip.Bytes) },
            new ListProgress(reports));

        // Assert
        result.BytesDownloaded.Should().Be(zip.Bytes.Length);
        result.Written.Should().Equal(Path.Combine(DataDir, "sst2", "train.tsv"), Path.Combine(DataDir, "sst2", "dev.tsv"));
        reports.Should().HaveCountGreaterThan(2).And.OnlyContain(r => r.Url == url && r.FileName == "SST-2.zip" && r.TotalBytes == zip.Bytes.Length);
        reports.Select(r => r.BytesReceived).Should().BeInAscendingOrder().And.StartWith(0).And.EndWith(zip.Bytes.Length);
        reports.Count(r => r.Completed).Should().Be(1);
        reports[^1].Completed.Should().BeTrue();
    }

    [Fact]
    public async Task GetAsync_Should_FailAndLeaveNoFiles_When_TheServerGoesSilent()
    {
        var zip = Sst2Zip.Create(padding: 20_000);
        var url = _server.ServeStalled("SST-2.zip", zip.Bytes, zip.Bytes.Length / 2);
        using var downloader = new DataDownloader(TimeSpan.FromSeconds(1));

        var act = () => downloader.GetAsync(DataSetCatalog.Sst2, new DataGetOptions { Directory = DataDir, Url = url, Sha256 = Sha256(zip.Bytes) });

        (await act.Should().ThrowAsync<DistillException>())
            .Where(e => e.Kind == DistillErrorKind.RunFailed)
            .WithMessage($"download of {url} stopped after * of {zip.Bytes.Length:N0} bytes (no data for 1 s); the partial file was deleted and nothing was written. Run the command again");
        Entries().Should().BeEmpty();
    }

    [Fact]
    public async Task GetAsync_Should_NameTheStatus_When_TheServerAnswersWithAnError()
    {
        var url = _server.ServeStatus("SST-2.zip", 404);
        using var downloader = new DataDownloader();

        var act = () => downloader.GetAsync(DataSetCatalog.Sst2, new DataGetOptions { Directory = DataDir, Url = url });

        (await act.Should().ThrowAsync<DistillException>())
            .Where(e => e.Kind == DistillErrorKind.RunFailed)
            .WithMessage($"{url} answered HTTP 404 (Not Found); nothing was written. Check the URL, or give --url a mirror that serves SST-2.zip");
        Entries().Should().BeEmpty();
    }

    [Fact]
    public async Task GetAsync_Should_NameTheMissingMember_When_TheZipLacksAFile()
    {
        // Arrange: a zip with train.tsv only.
        using var stream = new MemoryStream();
        using (var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var writer = new StreamWriter(archive.CreateEntry("SST-2/train.tsv").Open());
            writer.Write("sentence\tlabel\nfine \t1\n");
        }

        var bytes = stream.ToArray();
        var url = _server.Serve("SST-2.zip", bytes);
        using var downloader = new DataDownloader();

        // Act
        var act = () => downloader.GetAsync(DataSetCatalog.Sst2, new DataGetOptions { Directory = DataDir, Url = url, Sha256 = Sha256(bytes) });

        // Assert
        (await act.Should().ThrowAsync<DistillException>())
            .Where(e => e.Kind == DistillErrorKind.RunFailed)
            .WithMessage($"SST-2.zip from {url} has no member 'SST-2/dev.tsv' (it holds: SST-2/train.tsv); nothing was written.*");
        Entries().Should().BeEmpty("train.tsv, although present in the zip, is not put in place without dev.tsv");
    }

    [Fact]
    public async Task GetAsync_Should_WriteNothing_When_OneOfSeveralDownloadsFails()
    {
        // Arrange: a mirror of emotion with train.txt and val.txt, but no test.txt.
        _server.Serve("mirror/train.txt", EmotionSplit("train.txt"));
        _server.Serve("mirror/val.txt", EmotionSplit("val.txt"));
        using var downloader = new DataDownloader();

        // Act
        var act = () => downloader.GetAsync(DataSetCatalog.Emotion, new DataGetOptions { Directory = DataDir, Url = new Uri(_server.BaseUrl, "mirror/") });

        // Assert
        (await act.Should().ThrowAsync<DistillException>()).WithMessage($"{new Uri(_server.BaseUrl, "mirror/test.txt")} answered HTTP 404*");
        _server.Requests.Should().Be(3);
        Entries().Should().BeEmpty("the verified train and val files wait for test before anything is put in place");
    }

    [Fact]
    public async Task GetAsync_Should_SayTheMachineSeemsOffline_When_TheHostNameDoesNotResolve()
    {
        var url = new Uri("http://distill-test.invalid/vocab.txt");
        using var downloader = new DataDownloader(TimeSpan.FromSeconds(10));

        var act = () => downloader.GetAsync(DataSetCatalog.BertBaseUncasedVocab, new DataGetOptions { Directory = DataDir, Url = url });

        var vocab = Path.Combine(DataDir, "vocab", "bert-base-uncased.txt");
        (await act.Should().ThrowAsync<DistillException>())
            .Where(e => e.Kind == DistillErrorKind.Environment)
            .WithMessage($"cannot reach {url} (the host name distill-test.invalid does not resolve); this machine seems offline. " +
                         $"Put the files there by hand instead: {vocab} (bert-base-uncased's vocab.txt), " +
                         $"and set DISTILL_DATA_DIR={DataDir} so that Distill finds them");
        Entries().Should().BeEmpty();
    }

    [Fact]
    public async Task GetAsync_Should_LeaveNoFiles_When_Cancelled()
    {
        var zip = Sst2Zip.Create(padding: 20_000);
        var url = _server.ServeStalled("SST-2.zip", zip.Bytes, zip.Bytes.Length / 2);
        using var downloader = new DataDownloader();
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        var act = () => downloader.GetAsync(DataSetCatalog.Sst2, new DataGetOptions { Directory = DataDir, Url = url, Sha256 = Sha256(zip.Bytes) },
            cancellation: cancellation.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
        Entries().Should().BeEmpty();
    }

    [Fact]
    public async Task GetAsync_Should_RefuseAChecksum_When_TheDataSetHasSeveralDownloads()
    {
        using var downloader = new DataDownloader();

        var act = () => downloader.GetAsync(DataSetCatalog.Emotion, new DataGetOptions { Directory = DataDir, Sha256 = new string('a', 64) });

        (await act.Should().ThrowAsync<DistillException>())
            .Where(e => e.Kind == DistillErrorKind.InvalidInput)
            .WithMessage("--sha256 applies to a data set with one download; emotion has 3 (train.txt, val.txt, test.txt), each checked against its known checksum");
        _server.Requests.Should().Be(0);
    }

    [Fact]
    public async Task GetAsync_Should_RefuseAChecksum_When_ItIsNotHex()
    {
        using var downloader = new DataDownloader();

        var act = () => downloader.GetAsync(DataSetCatalog.Sst2, new DataGetOptions { Directory = DataDir, Sha256 = "d67e16fb" });

        (await act.Should().ThrowAsync<DistillException>())
            .Where(e => e.Kind == DistillErrorKind.InvalidInput)
            .WithMessage("--sha256 must be 64 hex digits (was 'd67e16fb')");
    }

    [Fact]
    public void Constructor_Should_RefuseTheTimeout_When_ItIsNotPositive()
    {
        var act = () => new DataDownloader(TimeSpan.Zero);

        act.Should().Throw<DistillException>().Where(e => e.Kind == DistillErrorKind.InvalidInput).WithMessage("--timeout must be > 0 seconds (was 0)");
    }

    private sealed class ListProgress(List<DownloadProgress> reports) : IProgress<DownloadProgress>
    {
        public void Report(DownloadProgress value) => reports.Add(value);
    }
}
