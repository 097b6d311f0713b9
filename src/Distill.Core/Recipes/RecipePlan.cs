namespace Distill.Recipes;

/// <summary>One part of a <see cref="RecipePlan"/>: a title and its lines, each a name and a value.</summary>
public sealed record RecipePlanSection(string Title, IReadOnlyList<KeyValuePair<string, string>> Items);

/// <summary>
/// What a recipe run would do, resolved and checked, without training anything or writing anything: the data, the
/// teacher and its taps, the cache keys and whether they are hits, the student and its parameter count, each stage's
/// loss formula and schedule, and the outputs. <c>distill recipe --dry-run</c> prints it.
/// </summary>
public sealed record RecipePlan(IReadOnlyList<RecipePlanSection> Sections);
