using Distill.Platform;
using TorchSharp;

namespace Distill.Core.Tests.Platform;

public class DeviceResolverTests
{
    private sealed class FakeProbe(CudaAvailability torchCuda, CudaAvailability onnxCuda) : ICudaProbe
    {
        public List<int> OnnxAsked { get; } = [];

        public CudaAvailability Torch() => torchCuda;

        public CudaAvailability Onnx(int deviceIndex)
        {
            OnnxAsked.Add(deviceIndex);
            return onnxCuda;
        }
    }

    private static readonly CudaAvailability NoTorchCuda = CudaAvailability.None("this build uses TorchSharp-cpu; rebuild with -p:TorchBackend=cuda");
    private static readonly CudaAvailability NoOnnxCuda = CudaAvailability.None("libcublasLt.so.13 is missing");

    [Fact]
    public void Resolve_Should_UseTheCpu_When_CpuIsAsked_EvenWhereCudaWorks()
    {
        var resolver = new DeviceResolver(new FakeProbe(new CudaAvailability(2, null), new CudaAvailability(1, null)));

        var torchChoice = resolver.ResolveTorch(DeviceSetting.Cpu);
        var onnxChoice = resolver.ResolveOnnx(DeviceSetting.Cpu);

        torchChoice.Device.type.Should().Be(DeviceType.CPU);
        torchChoice.Notice.Should().BeNull();
        onnxChoice.UseCuda.Should().BeFalse();
        onnxChoice.Notice.Should().BeNull();
    }

    [Fact]
    public void Resolve_Should_TakeCuda_When_AutoIsAsked_And_CudaWorks()
    {
        var resolver = new DeviceResolver(new FakeProbe(new CudaAvailability(2, null), new CudaAvailability(1, null)));

        var torchChoice = resolver.ResolveTorch(DeviceSetting.Auto);
        var onnxChoice = resolver.ResolveOnnx(DeviceSetting.Auto);

        torchChoice.ToString().Should().Be("cuda:0");
        onnxChoice.ToString().Should().Be("cuda:0");
        onnxChoice.Notice.Should().BeNull();
    }

    [Fact]
    public void Resolve_Should_FallBackToTheCpuWithANotice_When_AutoIsAsked_And_CudaIsMissing()
    {
        var resolver = new DeviceResolver(new FakeProbe(NoTorchCuda, NoOnnxCuda));

        var torchChoice = resolver.ResolveTorch(DeviceSetting.Auto);
        var onnxChoice = resolver.ResolveOnnx(DeviceSetting.Auto);

        torchChoice.ToString().Should().Be("cpu");
        torchChoice.Notice.Should().Be("TorchSharp runs on the CPU (no usable CUDA here; `distill doctor` says why)");
        torchChoice.Explanation.Should().Be("TorchSharp runs on the CPU: this build uses TorchSharp-cpu; rebuild with -p:TorchBackend=cuda");
        onnxChoice.UseCuda.Should().BeFalse();
        onnxChoice.Notice.Should().Be("ONNX Runtime runs on the CPU (no usable CUDA here; `distill doctor` says why)");
        onnxChoice.Explanation.Should().Be("ONNX Runtime runs on the CPU: libcublasLt.so.13 is missing");
    }

    [Fact]
    public void Resolve_Should_LetEachRuntimeTakeCudaWhereItWorks_When_OnlyOneCan()
    {
        var resolver = new DeviceResolver(new FakeProbe(NoTorchCuda, new CudaAvailability(1, null)));

        resolver.ResolveTorch(DeviceSetting.Auto).ToString().Should().Be("cpu");
        resolver.ResolveOnnx(DeviceSetting.Auto).ToString().Should().Be("cuda:0");
    }

    [Fact]
    public void ResolveTorch_Should_SayWhatToInstall_When_CudaIsAskedButMissing()
    {
        var resolver = new DeviceResolver(new FakeProbe(NoTorchCuda, NoOnnxCuda));

        var act = () => resolver.ResolveTorch(DeviceSetting.Parse("cuda"));

        act.Should().Throw<DistillException>()
            .Where(e => e.Kind == DistillErrorKind.Environment)
            .WithMessage("device 'cuda' was asked for, but TorchSharp cannot use CUDA here: this build uses TorchSharp-cpu; " +
                         "rebuild with -p:TorchBackend=cuda; or set device: cpu (or auto)");
    }

    [Fact]
    public void ResolveOnnx_Should_SayWhatToInstall_When_CudaIsAskedButMissing()
    {
        var resolver = new DeviceResolver(new FakeProbe(NoTorchCuda, NoOnnxCuda));

        var act = () => resolver.ResolveOnnx(DeviceSetting.Parse("cuda:1"));

        act.Should().Throw<DistillException>()
            .WithMessage("device 'cuda:1' was asked for, but ONNX Runtime cannot use CUDA here: libcublasLt.so.13 is missing; or set device: cpu (or auto)");
    }

    [Fact]
    public void Resolve_Should_UseTheAskedGpu_When_ItExists_And_RejectOnesThatDoNot()
    {
        var probe = new FakeProbe(new CudaAvailability(2, null), new CudaAvailability(1, null));
        var resolver = new DeviceResolver(probe);

        resolver.ResolveTorch(DeviceSetting.Parse("cuda:1")).ToString().Should().Be("cuda:1");
        resolver.ResolveOnnx(DeviceSetting.Parse("cuda:1")).ToString().Should().Be("cuda:1");
        probe.OnnxAsked.Should().Equal(1);
        var act = () => resolver.ResolveTorch(DeviceSetting.Parse("cuda:2"));
        act.Should().Throw<DistillException>()
            .WithMessage("device 'cuda:2' was asked for, but TorchSharp sees 2 CUDA device(s) (cuda:0 to cuda:1); pick one of those, or set device: auto");
    }

    [Fact]
    public void SystemProbe_Should_ExplainWhyCudaIsUnusable_OnThisMachine()
    {
        // Runs against the real runtimes. A CPU build of TorchSharp never has CUDA, whatever the machine; ONNX Runtime's
        // answer depends on the machine, so the test checks that the answer and the resolution agree.
        var probe = SystemCudaProbe.Instance;
        var resolver = new DeviceResolver(probe);

        if (SystemCudaProbe.TorchBackend == "cpu")
        {
            probe.Torch().IsAvailable.Should().BeFalse();
            probe.Torch().Reason.Should().Contain("-p:TorchBackend=cuda");
            resolver.ResolveTorch(DeviceSetting.Auto).Device.type.Should().Be(DeviceType.CPU);
        }

        var onnx = probe.Onnx(0);
        var auto = resolver.ResolveOnnx(DeviceSetting.Auto);
        auto.UseCuda.Should().Be(onnx.IsAvailable);
        if (!onnx.IsAvailable)
        {
            onnx.Reason.Should().NotBeNullOrWhiteSpace();
            auto.Notice.Should().Be("ONNX Runtime runs on the CPU (no usable CUDA here; `distill doctor` says why)");
            auto.Explanation.Should().Be("ONNX Runtime runs on the CPU: " + onnx.Reason);
            var act = () => resolver.ResolveOnnx(DeviceSetting.Parse("cuda"));
            act.Should().Throw<DistillException>().WithMessage("*cannot use CUDA here*or set device: cpu (or auto)");
        }
    }
}
