namespace Distill.Cli.Recipes;

/// <summary>
/// The errors of <c>distill recipe</c> that Distill.Core does not report itself, each one line that says what to do.
/// A bad command line is <see cref="DistillErrorKind.InvalidInput"/> (exit code 2); an interrupted run is
/// <see cref="DistillErrorKind.RunFailed"/> (exit code 1: continuing it may work).
/// </summary>
internal static class RecipeCommandErrors
{
    public static DistillException ProfileConflict(string profile) =>
        new(DistillErrorKind.InvalidInput, $"--quick chooses profile 'quick' but --profile chooses '{profile}'; give one of them");

    public static DistillException NoRecipeFile() =>
        new(DistillErrorKind.InvalidInput, "give the recipe file, e.g. distill recipe recipes/bert-to-tiny.yaml");

    /// <param name="resumeCommand">The command line that continues the run.</param>
    public static DistillException Interrupted(string resumeCommand) =>
        new(DistillErrorKind.RunFailed, $"interrupted; the outputs so far are kept: continue with `{resumeCommand}`");
}
