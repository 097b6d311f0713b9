namespace Distill.Recipes;

/// <summary>
/// A recipe that cannot run, with every problem found: one line each, <c>file.yaml:LINE key.path message</c>, such
/// as <c>bert-to-tiny.yaml:31 stages[1].losses[0].temperature must be &gt; 0 (was 0)</c>. The message holds every line.
/// </summary>
public sealed class RecipeException : DistillException
{
    /// <summary>Creates the error for the recipe at <paramref name="recipePath"/> with its problems, in the order given.</summary>
    public RecipeException(string recipePath, IReadOnlyList<string> errors)
        : base(DistillErrorKind.InvalidInput, FormatMessage(recipePath, errors))
    {
        RecipePath = recipePath;
        Errors = errors;
    }

    /// <summary>The recipe file, as given to the loader.</summary>
    public string RecipePath { get; }

    /// <summary>Every problem, one line each, by line in the file (problems with no line first).</summary>
    public IReadOnlyList<string> Errors { get; }

    private static string FormatMessage(string recipePath, IReadOnlyList<string> errors) =>
        errors.Count == 1
            ? errors[0]
            : $"{System.IO.Path.GetFileName(recipePath)}: {errors.Count} errors{Environment.NewLine}" + string.Join(Environment.NewLine, errors);
}
