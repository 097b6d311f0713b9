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
        RecipeRunResult result;
        try
        {
            result = ConsoleRecipeObserver.Show(console, header, observer => new RecipeRunner(recipe, options with { Observer = observer }).Run(cancellation));
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested && !resume)
        {
            // Run again as it was, this command would refuse the interrupted folder: the way on needs --resume.
            throw RecipeCommandErrors.Interrupted(ResumeCommand(settings));
        }

        RecipeResultView.WriteResult(console, result);
        if (!result.Complete)
        {
            console.MarkupLineInterpolated($"[grey]ran up to the {upTo.ToString().ToLowerInvariant()} step; the rest runs with: {ResumeCommand(settings)}[/]");
        }

        return DistillApp.Success;
    }

    /// <summary><c>distill recipe</c> with this command's recipe, profile and overrides, and <c>--resume</c>: it works as written.</summary>
    public static string ResumeCommand(RecipeCommandSettings settings)
    {
        var words = new List<string> { "distill", "recipe", Quote(settings.Recipe) };
        if (settings.ChosenProfile() is { } profile)
        {
            words.AddRange(profile == "quick" ? ["--quick"] : ["--profile", Quote(profile)]);
        }

        foreach (var set in settings.Set)
        {
            words.AddRange(["--set", Quote(set)]);
        }

        words.Add("--resume");
        return string.Join(' ', words);
    }

    // Shell quoting for what a person pastes: plain words as they are, anything else in single quotes.
    private static string Quote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "_-./=:,@+".Contains(c)) ? word : $"'{word.Replace("'", "'\\''")}'";
}
