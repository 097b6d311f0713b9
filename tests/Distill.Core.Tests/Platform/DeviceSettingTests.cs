using Distill.Platform;

namespace Distill.Core.Tests.Platform;

public class DeviceSettingTests
{
    [Theory]
    [InlineData("auto", DeviceKind.Auto, null, "auto")]
    [InlineData("CPU", DeviceKind.Cpu, null, "cpu")]
    [InlineData(" cuda ", DeviceKind.Cuda, null, "cuda")]
    [InlineData("cuda:0", DeviceKind.Cuda, 0, "cuda:0")]
    [InlineData("cuda:3", DeviceKind.Cuda, 3, "cuda:3")]
    public void Parse_Should_ReadEachForm(string text, DeviceKind kind, int? index, string written)
    {
        var setting = DeviceSetting.Parse(text);

        setting.Kind.Should().Be(kind);
        setting.Index.Should().Be(index);
        setting.ToString().Should().Be(written);
    }

    [Theory]
    [InlineData("tpu")]
    [InlineData("cuda:")]
    [InlineData("cuda:-1")]
    [InlineData("cuda:x")]
    [InlineData("")]
    public void Parse_Should_NameTheKeyAndValue_When_TheTextIsNoDevice(string text)
    {
        var act = () => DeviceSetting.Parse(text, "training.device");

        act.Should().Throw<DistillException>()
            .Where(e => e.Kind == DistillErrorKind.InvalidInput)
            .WithMessage($"training.device must be auto, cpu, cuda or cuda:N with N a GPU number (was '{text}')");
    }
}
