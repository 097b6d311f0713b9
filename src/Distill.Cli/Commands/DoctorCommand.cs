using System.ComponentModel;
using System.Runtime.InteropServices;
using Distill.Platform;
using Microsoft.ML.OnnxRuntime;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Distill.Cli.Commands;

/// <summary>
/// <c>distill doctor</c>: shows whether TorchSharp and ONNX Runtime load on this machine and which device each would
/// use for a device setting. Exits with 2 when the setting cannot be honoured (for example <c>cuda</c> without CUDA).
/// </summary>
internal sealed class DoctorCommand : Command<DoctorCommand.Settings>
{
    private readonly IAnsiConsole _console;

    public DoctorCommand(IAnsiConsole console)
    {
        _console = console;
    }

    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--device <DEVICE>")]
        [Description("auto, cpu, cuda or cuda:N (default auto).")]
        public string Device { get; init; } = "auto";

        [CommandOption("--verbose")]
        [Description("Print stack traces with errors.")]
        public bool Verbose { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        var setting = DeviceSetting.Parse(settings.Device, "--device");
        TorchRuntime.EnsureLoaded();
        var resolver = new DeviceResolver();
        var torchChoice = resolver.ResolveTorch(setting);
        var onnxChoice = resolver.ResolveOnnx(setting);

        var table = new Table().AddColumn("check").AddColumn("result");
        table.AddRow("Distill", Markup.Escape(typeof(DoctorCommand).Assembly.GetName().Version?.ToString(3) ?? "?"));
        table.AddRow(".NET", Markup.Escape($"{RuntimeInformation.FrameworkDescription} on {RuntimeInformation.OSDescription} ({RuntimeInformation.ProcessArchitecture})"));
        table.AddRow("TorchSharp", Markup.Escape($"loaded, {SystemCudaProbe.TorchBackend} build, {TorchSharp.torch.get_num_threads()} threads"));
        table.AddRow("ONNX Runtime", Markup.Escape($"{OrtEnv.Instance().GetVersionString()}, providers: {string.Join(", ", OrtEnv.Instance().GetAvailableProviders())}"));
        table.AddRow($"student device ({Markup.Escape(setting.ToString())})", Markup.Escape(torchChoice.ToString()));
        table.AddRow($"teacher device ({Markup.Escape(setting.ToString())})", Markup.Escape(onnxChoice.ToString()));
        _console.Write(table);
        // The doctor is where the short notice of a run points: give the whole reason here.
        foreach (var notice in new[] { torchChoice.Explanation, onnxChoice.Explanation }.OfType<string>())
        {
            _console.WriteNote(notice);
        }

        return DistillApp.Success;
    }
}
