using Distill.Recipes;
using Spectre.Console;

namespace Distill.Cli.Recipes;

/// <summary>What the recipe commands share: load, then plan or run, then print.</summary>
internal static class RecipeExecution
{
    public static int Run(IAnsiConsole console, RecipeCommandSettings settings, RecipeStep upTo, bool resume, bool dryRun, CancellationToken cancellation)
    {
        var recipe = settings.Load();
        var options = new RecipeRunOptions { Resume = resume, Overwrite = settings.Overwrite, UpTo = upTo, Profile = settings.ChosenProfile() };
        if (dryRun)
        {
            RecipeResultView.WritePlan(console, new RecipeRunner(recipe, options).Plan());
            return DistillApp.Success;
        }

        var header = $"[bold]{Markup.Escape(recipe.Name)}[/] ({Markup.Escape(Path.GetFullPath(recipe.Path))}{(options.Profile is null ? "" : $", profile {Markup.Escape(options.Profile)}")})";
        var result = ConsoleRecipeObserver.Show(console, header, observer => new RecipeRunner(recipe, options with { Observer = observer }).Run(cancellation));
        RecipeResultView.WriteResult(console, result);
        if (!result.Complete)
        {
            console.MarkupLineInterpolated($"[grey]ran up to the {upTo.ToString().ToLowerInvariant()} step; the rest runs with: distill recipe {settings.Recipe} --resume[/]");
        }

        return DistillApp.Success;
    }
}
