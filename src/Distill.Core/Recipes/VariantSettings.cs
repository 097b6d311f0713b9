namespace Distill.Recipes;

/// <summary>
/// Another way of distilling the recipe's student (an item of key <c>variants</c>): its own stages, trained for every
/// seed from the same start on the same transfer set as the distilled student, in <c>variants/&lt;name&gt;/seed-N</c>.
/// The report sets each variant beside the distilled student and the label-only baseline, so that a recipe can show
/// what each loss term gains (KD alone, then with attention, with hidden states, ...). Variants are not exported.
/// </summary>
public sealed record VariantSettings
{
    /// <summary>Key <c>name</c>: names the variant's folder and its row in the report (letters, digits, '-', '_', '.').</summary>
    public required string Name { get; init; }

    /// <summary>Key <c>stages</c>: at least one, written as the recipe's own <c>stages</c>.</summary>
    public required IReadOnlyList<StageSettings> Stages { get; init; }
}
