using System.ComponentModel;
using Distill.Cache;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Distill.Cli.Commands;

/// <summary><c>distill cache merge &lt;target&gt; &lt;source&gt;...</c>: joins the folders of a split build into one cache.</summary>
internal sealed class CacheMergeCommand : Command<CacheMergeCommand.Settings>
{
    private readonly IAnsiConsole _console;

    public CacheMergeCommand(IAnsiConsole console)
    {
        _console = console;
    }

    internal sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<TARGET>")]
        [Description("The merged cache folder (created if absent).")]
        public string Target { get; init; } = string.Empty;

        [CommandArgument(1, "<SOURCES>")]
        [Description("The cache folders of the parts (same key).")]
        public string[] Sources { get; init; } = [];

        [CommandOption("--verbose")]
        public bool Verbose { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        var summary = TeacherCache.Merge(settings.Target, settings.Sources);
        _console.WriteLine(summary.ToString());
        return summary.Complete ? DistillApp.Success : DistillApp.RunFailed;
    }
}
