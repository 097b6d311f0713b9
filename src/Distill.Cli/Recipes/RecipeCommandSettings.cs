using System.ComponentModel;
using Distill.Recipes;
using Spectre.Console.Cli;

namespace Distill.Cli.Recipes;

/// <summary>The options every command that runs a recipe takes (<c>recipe</c>, <c>train</c>, <c>eval</c>, <c>export</c>).</summary>
internal class RecipeCommandSettings : CommandSettings
{
    [CommandArgument(0, "<RECIPE>")]
    [Description("The recipe's .yaml file.")]
    public string Recipe { get; init; } = string.Empty;

    [CommandOption("--set <KEY=VALUE>")]
    [Description("Override a key of the recipe, e.g. --set training.batch_size=16 or --set seeds=[[1]]; also defines ${name} for substitution. May be repeated.")]
    public string[] Set { get; init; } = [];

    [CommandOption("--profile <NAME>")]
    [Description("Apply one of the recipe's profiles before the --set overrides.")]
    public string? Profile { get; init; }

    [CommandOption("--quick")]
    [Description("Same as --profile quick: a smoke run on a subset.")]
    public bool Quick { get; init; }

    [CommandOption("--overwrite")]
    [Description("Replace a previous run's outputs in the output folder.")]
    public bool Overwrite { get; init; }

    [CommandOption("--verbose")]
    [Description("Print stack traces with errors, and every notice.")]
    public bool Verbose { get; init; }

    /// <summary>The profile asked for, by --profile or --quick; an error when both name different ones.</summary>
    public string? ChosenProfile()
    {
        if (Quick && Profile is not null && Profile != "quick")
        {
            throw RecipeCommandErrors.ProfileConflict(Profile);
        }

        return Quick ? "quick" : Profile;
    }

    /// <summary>Loads and validates the recipe; every error in it is reported at once.</summary>
    public Recipe Load()
    {
        if (string.IsNullOrWhiteSpace(Recipe))
        {
            throw RecipeCommandErrors.NoRecipeFile();
        }

        return RecipeLoader.Load(Recipe, Set, ChosenProfile());
    }
}
