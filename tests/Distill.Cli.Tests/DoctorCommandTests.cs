using Distill.Platform;
using Spectre.Console.Testing;

namespace Distill.Cli.Tests;

public class DoctorCommandTests
{
    private static (int ExitCode, string Output) Run(params string[] args)
    {
        var console = new TestConsole().Width(200);
        var code = DistillApp.Run(args, console);
        return (code, console.Output);
    }

    [Fact]
    public void Doctor_Should_ReportBothRuntimesAndDevices_When_TheSettingIsAuto()
    {
        var (code, output) = Run("doctor");

        code.Should().Be(DistillApp.Success);
        output.Should().Contain("TorchSharp").And.Contain($"loaded, {SystemCudaProbe.TorchBackend} build");
        output.Should().Contain("ONNX Runtime").And.Contain("CPUExecutionProvider");
        output.Should().Contain("student device (auto)").And.Contain("teacher device (auto)");
    }

    [Fact]
    public void Doctor_Should_GiveTheWholeReason_When_AutoFallsBackToTheCpu()
    {
        // The doctor is where a run's one-line notice sends the reader: the reason and the fix are spelled out here.
        if (SystemCudaProbe.TorchBackend != "cpu")
        {
            return;
        }

        var (code, output) = Run("doctor");

        code.Should().Be(DistillApp.Success);
        output.Should().Contain("note: TorchSharp runs on the CPU: this build of Distill uses TorchSharp-cpu, which has no CUDA; rebuild with -p:TorchBackend=cuda");
        if (!SystemCudaProbe.Instance.Onnx(0).IsAvailable)
        {
            output.Should().Contain("note: ONNX Runtime runs on the CPU: " + SystemCudaProbe.Instance.Onnx(0).Reason);
        }
    }

    [Fact]
    public void Doctor_Should_ExitWith2AndOneLine_When_TheDeviceIsNotADevice()
    {
        var (code, output) = Run("doctor", "--device", "tpu");

        code.Should().Be(DistillApp.BadInput);
        output.Trim().Should().Be("error: --device must be auto, cpu, cuda or cuda:N with N a GPU number (was 'tpu')");
    }

    [Fact]
    public void Doctor_Should_SayHowToGetCuda_When_CudaIsAskedOnACpuBuild()
    {
        if (SystemCudaProbe.TorchBackend != "cpu")
        {
            // A CUDA build on a GPU machine honours the setting; the refusal below is what a CPU build must print.
            Run("doctor", "--device", "cuda").ExitCode.Should().BeOneOf(DistillApp.Success, DistillApp.BadInput);
            return;
        }

        var (code, output) = Run("doctor", "--device", "cuda");

        code.Should().Be(DistillApp.BadInput);
        output.Should().StartWith("error: device 'cuda' was asked for, but TorchSharp cannot use CUDA here");
        output.Should().Contain("-p:TorchBackend=cuda").And.Contain("set device: cpu");
        output.Should().NotContain("   at ", "no stack trace without --verbose");
    }

    [Fact]
    public void Run_Should_ExitWith2_When_TheCommandIsUnknown()
    {
        var (code, output) = Run("distil-everything");

        code.Should().Be(DistillApp.BadInput);
        output.Should().Contain("error: Unknown command 'distil-everything'");
    }
}
