namespace Distill.Recipes.Internal;

/// <summary>"Did you mean" by Levenshtein distance, for unknown keys and names.</summary>
internal static class Suggestions
{
    /// <summary>
    /// The candidate closest to <paramref name="typed"/>, if it is close enough to be a likely typo: at most 2 edits,
    /// or a third of the typed length for long names. Case is ignored (<c>Epochs</c> suggests <c>epochs</c>).
    /// </summary>
    public static string? Closest(string typed, IEnumerable<string> candidates)
    {
        var limit = Math.Max(2, typed.Length / 3);
        string? best = null;
        var bestDistance = (int.MaxValue, int.MaxValue);
        foreach (var candidate in candidates)
        {
            // Ties (DATE: DATA or data?) go to the candidate written in the same case.
            var distance = (Distance(typed.ToLowerInvariant(), candidate.ToLowerInvariant()), Distance(typed, candidate));
            if (distance.CompareTo(bestDistance) < 0 && distance.Item1 <= limit)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        return best;
    }

    /// <summary>"; did you mean 'x'?" or nothing.</summary>
    public static string DidYouMean(string typed, IEnumerable<string> candidates) =>
        Closest(typed, candidates) is { } best ? $"; did you mean '{best}'?" : string.Empty;

    /// <summary>
    /// The tail of an "unknown" message: <c>; did you mean 'x'? Valid keys: a, b</c>, or <c>. Valid keys: a, b</c>
    /// when nothing is close.
    /// </summary>
    public static string Explain(string typed, IReadOnlyCollection<string> candidates, string listName) =>
        (Closest(typed, candidates) is { } best ? $"; did you mean '{best}'? " : ". ") + $"{listName}: {string.Join(", ", candidates)}";

    /// <summary>The Levenshtein distance: insertions, deletions and substitutions, each costing 1.</summary>
    public static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
