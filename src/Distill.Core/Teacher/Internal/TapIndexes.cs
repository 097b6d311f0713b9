namespace Distill.Teacher.Internal;

/// <summary>Lists of layer or hidden-state indexes as messages write them: runs as ranges, "0–3, 5".</summary>
internal static class TapIndexes
{
    public static string Describe(IEnumerable<int> indexes)
    {
        var sorted = indexes.Distinct().Order().ToList();
        var parts = new List<string>();
        for (var i = 0; i < sorted.Count;)
        {
            var j = i;
            while (j + 1 < sorted.Count && sorted[j + 1] == sorted[j] + 1)
            {
                j++;
            }

            parts.Add(j == i ? $"{sorted[i]}" : j == i + 1 ? $"{sorted[i]}, {sorted[j]}" : $"{sorted[i]}–{sorted[j]}");
            i = j + 1;
        }

        return string.Join(", ", parts);
    }
}
