using System.Diagnostics;
using Distill.Export;
using Distill.TestSupport;
using Distill.Students;
using Spectre.Console.Testing;
using static TorchSharp.torch;

namespace Distill.Cli.Tests;

/// <summary>
/// <c>distill cache build</c> as users run it: a teacher exported by Distill over SST-2 rows, a build killed with
/// SIGKILL part-way and resumed, against a build that was never interrupted.
/// </summary>
public sealed class CacheCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("distill-cli-cache-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string DataDirectory => SharedData.Directory;

    private string[] BuildArguments(string cacheDir, string teacher, string data) =>
    [
        "cache", "build", "--teacher", teacher, "--data", data, "--vocab", Path.Combine(DataDirectory, "vocab", "bert-base-uncased.txt"),
        "--attention-layers", "1", "--hidden-states", "2", "--rows-per-shard", "50", "--batch-size", "10",
        "--device", "cpu", "--threads", "1", "--cache-dir", cacheDir,
    ];

    private (string Teacher, string Data) Inputs(int rows)
    {
        manual_seed(12);
        using var model = new TransformerStudent(new TransformerStudentOptions { MaxPositions = 128, Layers = 4, Hidden = 128, Heads = 4, Intermediate = 256 });
        model.eval();
        var teacher = Path.Combine(_folder, "teacher.onnx");
        OnnxExporter.Export(model, teacher);
        var data = Path.Combine(_folder, "train.tsv");
        File.WriteAllLines(data, File.ReadLines(Path.Combine(DataDirectory, "sst2", "train.tsv")).Take(rows + 1));
        return (teacher, data);
    }

    private static (int Code, string Output) Run(params string[] args)
    {
        var console = new TestConsole().Width(250);
        var code = DistillApp.Run(args, console);
        return (code, console.Output);
    }

    private static Dictionary<string, byte[]> Shards(string cacheDir)
    {
        var folder = Directory.GetDirectories(cacheDir).Single();
        return Directory.GetFiles(folder, "shard-*.dcs").ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);
    }

    [Fact]
    public void CacheBuild_Should_ResumeToTheSameBytes_When_KilledWithSigkill()
    {
        // Arrange
        var (teacher, data) = Inputs(2000);
        var killedDir = Path.Combine(_folder, "killed");
        var wholeDir = Path.Combine(_folder, "whole");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "distill.dll"));
        foreach (var argument in BuildArguments(killedDir, teacher, data))
        {
            start.ArgumentList.Add(argument);
        }

        // Act: start a build, let it commit a few of its 40 shards, and kill it (Process.Kill sends SIGKILL).
        using (var process = Process.Start(start)!)
        {
            process.StandardOutput.ReadToEndAsync();
            process.StandardError.ReadToEndAsync();
            var watch = Stopwatch.StartNew();
            while (!(Directory.Exists(killedDir) && Directory.GetFiles(killedDir, "shard-*.dcs", SearchOption.AllDirectories).Length >= 3))
            {
                process.HasExited.Should().BeFalse("the build must still be running when it is killed");
                watch.Elapsed.Should().BeLessThan(TimeSpan.FromMinutes(2));
                Thread.Sleep(5);
            }

            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }

        var beforeResume = Shards(killedDir);
        var resumed = Run(BuildArguments(killedDir, teacher, data));
        var whole = Run(BuildArguments(wholeDir, teacher, data));

        // Assert
        beforeResume.Count.Should().BeInRange(3, 39, "the build was stopped part-way");
        resumed.Code.Should().Be(0, resumed.Output);
        resumed.Output.Should().Contain($"{beforeResume.Count} reused").And.Contain("complete");
        whole.Code.Should().Be(0, whole.Output);
        Shards(killedDir).Should().HaveCount(40).And.BeEquivalentTo(Shards(wholeDir));
        Directory.GetFiles(killedDir, "*.tmp-*", SearchOption.AllDirectories).Should().BeEmpty();
        foreach (var (name, bytes) in beforeResume)
        {
            Shards(killedDir)[name].Should().Equal(bytes, "committed shards are kept, not recomputed");
        }
    }

    [Fact]
    public void CacheInspectAndMerge_Should_ShowAndJoinASplitBuild()
    {
        var (teacher, data) = Inputs(120);
        var parts = Enumerable.Range(0, 2).Select(i => Path.Combine(_folder, $"part-{i}")).ToArray();
        for (var i = 0; i < 2; i++)
        {
            var (code, output) = Run([.. BuildArguments(parts[i], teacher, data), "--shard", $"{i}/2"]);
            code.Should().Be(0, output);
            output.Should().Contain("complete").And.Contain("no: other parts of a split build are still to come");
        }

        var sources = parts.Select(p => Directory.GetDirectories(p).Single()).ToArray();
        var target = Path.Combine(_folder, "merged");
        var merged = Run(["cache", "merge", target, .. sources]);
        var inspected = Run(["cache", "inspect", target]);
        var asInspect = Run(["inspect", target]);

        merged.Code.Should().Be(0, merged.Output);
        inspected.Output.Should().Contain("(complete)").And.Contain("rows      120 in 3 shards of 50")
            .And.Contain("logits [2], attention.1 [4, L, L], hidden.2 [L, 128] as float16");
        asInspect.Output.Should().Be(inspected.Output);
    }

    [Fact]
    public void CacheBuild_Should_ShowItsLastReport_When_ItFinishesOnATerminal()
    {
        // Arrange: progress bars on a terminal; the build's reports must reach the display before the build returns
        var (teacher, data) = Inputs(60);
        var console = new TestConsole().Width(250).Interactive().EmitAnsiSequences();

        // Act
        var code = DistillApp.Run(BuildArguments(Path.Combine(_folder, "terminal"), teacher, data), console);

        // Assert: the last frame shows the finished build with its rate, not a description a late report never updated
        code.Should().Be(DistillApp.Success, console.Output);
        var frames = console.Output.Split("teacher on 60 rows");
        frames[^1].Should().MatchRegex(@"^, [\d,]+ rows/s").And.Contain("100%");
    }

    [Fact]
    public void CacheBuild_Should_NameTheColumnAndTheFile_When_TheTextColumnIsMissing()
    {
        var (teacher, data) = Inputs(10);

        var (code, output) = Run([.. BuildArguments(Path.Combine(_folder, "bad"), teacher, data), "--text-column", "review"]);

        code.Should().Be(2);
        output.Should().StartWith("error:").And.Contain("review").And.Contain("train.tsv").And.Contain("sentence");
        output.Should().NotContain("   at ");
    }

    [Fact]
    public void Inspect_Should_ListTheTapCandidatesOfAnOnnxTeacher()
    {
        var (teacher, _) = Inputs(1);

        var (code, output) = Run("inspect", teacher);

        code.Should().Be(0, output);
        output.Should().Contain("input_ids").And.Contain("logits");
        for (var layer = 0; layer < 4; layer++)
        {
            output.Should().Contain($"attention_probabilities[{layer}]");
        }
    }
}
