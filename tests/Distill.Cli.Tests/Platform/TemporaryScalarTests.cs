using Xunit.Abstractions;

namespace Distill.Cli.Tests.Platform;

/// <summary>
/// Keeps every Distill assembly free of temporary TorchSharp Scalars, the cause of the random "Scalar.h" and "Unknown
/// scalar type" crashes (see <see cref="TemporaryScalarScanner"/>): a failure names each method and the call to fix.
/// </summary>
public sealed class TemporaryScalarTests(ITestOutputHelper output)
{
    private static readonly Lazy<TemporaryScalarScanner> Scanner =
        new(() => TemporaryScalarScanner.ForTorchSharp(typeof(TorchSharp.Scalar).Assembly.Location));

    // The benchmarks and the sample are referenced by this project only so that their assemblies are built and copied here.
    [Theory]
    [InlineData("Distill.Losses.dll")]
    [InlineData("Distill.Core.dll")]
    [InlineData("distill.dll")]
    [InlineData("Distill.Benchmarks.dll")]
    [InlineData("Distill.Samples.MLNet.dll")]
    public void Assembly_Should_MakeNoTemporaryScalar_When_Compiled(string assembly)
    {
        var path = Path.Combine(AppContext.BaseDirectory, assembly);
        File.Exists(path).Should().BeTrue($"{assembly} is built into the test folder by a project reference");

        var findings = Scanner.Value.Scan(path);

        foreach (var finding in findings)
        {
            output.WriteLine(finding);
        }

        findings.Should().BeEmpty($"every Scalar given to libtorch must outlive its call:{Environment.NewLine}{string.Join(Environment.NewLine, findings)}");
    }

    [Fact]
    public void Scanner_Should_FindTheKnownTemporaries_When_ReadingTorchSharp()
    {
        // The scanner's own check: these TorchSharp methods make a Scalar inline (read in TorchSharp's sources), and
        // code written the unsafe way here must be caught, or an empty finding list above would prove nothing.
        var hazardous = Scanner.Value.HazardousTorchSharpMethods;
        foreach (var name in hazardous.Where(h => h.Contains("AdamW::step", StringComparison.Ordinal) || h.Contains("clip_grad_norm_", StringComparison.Ordinal)))
        {
            output.WriteLine(name);
        }

        hazardous.Should().Contain(h => h.StartsWith("TorchSharp.Modules.AdamW::step(", StringComparison.Ordinal));
        var findings = Scanner.Value.Scan(typeof(TemporaryScalarTests).Assembly.Location);
        findings.Should().Contain(f => f.Contains(nameof(UnsafeOnPurpose), StringComparison.Ordinal) && f.Contains("op_Implicit", StringComparison.Ordinal));
        findings.Should().Contain(f => f.Contains(nameof(UnsafeOnPurpose), StringComparison.Ordinal) && f.Contains("op_Multiply", StringComparison.Ordinal));
        findings.Should().Contain(f => f.Contains("uses TorchSharp.Modules.AdamW, whose step()", StringComparison.Ordinal));
        findings.Should().Contain(f => f.Contains("uses TorchSharp.Modules.BatchNorm2d, whose forward()", StringComparison.Ordinal));
        findings.Should().NotContain(f => f.Contains(nameof(SafeOnPurpose), StringComparison.Ordinal));
    }

    // Never called: compiled only so that the scanner has known unsafe and safe IL to read.
    private static void UnsafeOnPurpose(TorchSharp.torch.Tensor x, TorchSharp.Modules.AdamW optimizer, TorchSharp.Modules.BatchNorm2d norm)
    {
        using var y = x.clamp_min(0);
        using var z = x * 0.5;
        optimizer.step();
        using var w = norm.call(x);
    }

    private static void SafeOnPurpose(TorchSharp.torch.Tensor x)
    {
        using var half = TorchSharp.ScalarExtensionMethods.ToScalar(0.5);
        using var y = x * half;
    }
}
