using System.Diagnostics;
using System.Globalization;
using System.Xml.Linq;
using Distill.TestSupport;

namespace Distill.Core.Tests.Packaging;

/// <summary>
/// Distill as packages: <c>dotnet pack</c> makes Distill.Losses and Distill.Core, and a throwaway project outside the
/// repository that adds Distill.Core from a local feed trains a TorchSharp student through ML.NET, with nothing else
/// done. Outside the repository none of its Directory.Build files apply, so TorchSharp loads on Debian 12 only if the
/// package's buildTransitive targets patch libLibTorchSharp.so (without the patch the run fails with a missing
/// GLIBCXX_3.4.32 there).
/// </summary>
public class PackageConsumerTests
{
    private static readonly TimeSpan StepLimit = TimeSpan.FromMinutes(5);

    [Fact]
    public void A_Project_Outside_The_Repository_Should_Train_A_Student_From_The_Distill_Core_Package()
    {
        var root = SharedData.RepositoryRoot;
        // The configuration the test run was built with: those outputs exist, so packing needs no build.
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
            ? "Release"
            : "Debug";
        // A version no real package has, so that the restore cannot take anything but this feed's packages.
        var version = $"0.0.0-consumer.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
        var work = Directory.CreateTempSubdirectory("distill-package-consumer-").FullName;
        var feed = Directory.CreateDirectory(Path.Combine(work, "feed")).FullName;
        var consumer = Directory.CreateDirectory(Path.Combine(work, "consumer")).FullName;
        try
        {
            foreach (var project in new[] { "src/Distill.Losses/Distill.Losses.csproj", "src/Distill.Core/Distill.Core.csproj" })
            {
                Run(root, "dotnet", "pack", Path.Combine(root, project), "-c", configuration, "--no-build", "-o", feed, $"-p:PackageVersion={version}");
            }

            Directory.GetFiles(feed, "*.nupkg").Select(Path.GetFileName).Should().BeEquivalentTo(
                [$"Distill.Losses.{version}.nupkg", $"Distill.Core.{version}.nupkg"]);

            var template = Path.Combine(root, "tests", "Distill.Core.Tests", "Packaging", "Consumer");
            File.WriteAllText(Path.Combine(consumer, "Consumer.csproj"),
                File.ReadAllText(Path.Combine(template, "Consumer.csproj.template")).Replace("$DISTILL_VERSION$", version, StringComparison.Ordinal));
            File.Copy(Path.Combine(template, "Program.cs.template"), Path.Combine(consumer, "Program.cs"));
            WriteNuGetConfig(Path.Combine(root, "nuget.config"), feed, Path.Combine(consumer, "nuget.config"));

            var output = Run(consumer, "dotnet", "run", "-c", "Release");

            var line = output.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith("accuracy ", StringComparison.Ordinal));
            line.Should().NotBeNull($"the consumer prints its accuracy; it printed:\n{output}");
            double.Parse(line!["accuracy ".Length..], CultureInfo.InvariantCulture).Should().BeGreaterThan(0.9,
                "an MLP separates x0 + x1 > 0 from the rest after 20 epochs");
        }
        finally
        {
            Directory.Delete(work, recursive: true);
            ForgetPackages(version);
        }
    }

    // The repository's sources (where the dependencies come from) with the local feed first.
    private static void WriteNuGetConfig(string repositoryConfig, string feed, string target)
    {
        var config = XDocument.Load(repositoryConfig);
        var sources = config.Root!.Element("packageSources")!;
        var first = sources.Element("clear") ?? sources.Elements().First();
        first.AddAfterSelf(new XElement("add", new XAttribute("key", "distill-local"), new XAttribute("value", feed)));
        config.Save(target);
    }

    // The restore put this run's packages into the global packages folder; a version made for one run is removed.
    private static void ForgetPackages(string version)
    {
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } set
            ? set
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (var id in new[] { "distill.core", "distill.losses" })
        {
            var folder = Path.Combine(packages, id, version);
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    private static string Run(string folder, string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The test host's MSBuild settings must not leak into the child builds.
        start.Environment.Remove("MSBuildSDKsPath");
        start.Environment.Remove("MSBUILD_EXE_PATH");
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(StepLimit))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} ran past {StepLimit.TotalMinutes} minutes in {folder}");
        }

        var output = stdout.Result + stderr.Result;
        process.ExitCode.Should().Be(0, $"'{program} {string.Join(' ', arguments)}' in {folder} must succeed; it printed:\n{output}");
        return output;
    }
}
