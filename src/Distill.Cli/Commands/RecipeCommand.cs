using System.ComponentModel;
using Distill.Cli.Recipes;
using Distill.Recipes;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Distill.Cli.Commands;

/// <summary>
/// <c>distill recipe &lt;file.yaml&gt;</c>: runs a whole distillation from one recipe: the teacher (trained by its own
/// recipe when its ONNX file is absent), the teacher cache, the distilled students and the label-only baselines, the
/// evaluation, the ONNX export and the report. <c>--dry-run</c> prints the resolved plan instead.
/// </summary>
internal sealed class RecipeCommand : Command<RecipeCommand.Settings>
{
    private readonly IAnsiConsole _console;

    public RecipeCommand(IAnsiConsole console)
    {
        _console = console;
    }

    internal sealed class Settings : RecipeCommandSettings
    {
        [CommandOption("--dry-run")]
        [Description("Print the resolved plan (data, teacher and taps, cache keys, student, losses, schedule, outputs) and stop.")]
        public bool DryRun { get; init; }

        [CommandOption("--resume")]
        [Description("Continue an interrupted run in the output folder from its cache shards and last checkpoints.")]
        public bool Resume { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation) =>
        RecipeExecution.Run(_console, settings, RecipeStep.All, settings.Resume, settings.DryRun, cancellation);
}

/// <summary>
/// <c>distill train|eval|export &lt;file.yaml&gt;</c>: runs a recipe up to one step. Finished steps in the output folder
/// are kept (the teacher cache, students whose training finished), so the steps can be run one after the other.
/// </summary>
internal sealed class RecipeStepCommand : Command<RecipeCommandSettings>
{
    private readonly IAnsiConsole _console;

    public RecipeStepCommand(IAnsiConsole console)
    {
        _console = console;
    }

    public override int Execute(CommandContext context, RecipeCommandSettings settings, CancellationToken cancellation)
    {
        var step = context.Name switch
        {
            "train" => RecipeStep.Train,
            "eval" => RecipeStep.Evaluate,
            "export" => RecipeStep.Export,
            var other => throw new InvalidOperationException($"no step is named '{other}'"),
        };
        return RecipeExecution.Run(_console, settings, step, resume: true, dryRun: false, cancellation);
    }
}
