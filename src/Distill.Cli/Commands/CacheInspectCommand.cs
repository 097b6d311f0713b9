using System.ComponentModel;
using Distill.Cache;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Distill.Cli.Commands;

/// <summary><c>distill cache inspect &lt;folder&gt;</c>: what a cache holds (key, rows, tensors, size, teacher, created).</summary>
internal sealed class CacheInspectCommand : Command<CacheInspectCommand.Settings>
{
    private readonly IAnsiConsole _console;

    public CacheInspectCommand(IAnsiConsole console)
    {
        _console = console;
    }

    internal sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<FOLDER>")]
        [Description("A cache folder (the one named by its key).")]
        public string Folder { get; init; } = string.Empty;

        [CommandOption("--verbose")]
        public bool Verbose { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        _console.WriteLine(TeacherCache.Inspect(settings.Folder).ToString());
        return DistillApp.Success;
    }
}
