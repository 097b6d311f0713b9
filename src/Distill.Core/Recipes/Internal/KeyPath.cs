using System.Globalization;
using System.Text;

namespace Distill.Recipes.Internal;

/// <summary>One step of a key path: a key, a list index, or <c>[*]</c> (every item).</summary>
internal readonly record struct PathSegment(string? Key, int Index, bool AllItems)
{
    public bool IsKey => Key is not null;

    public static PathSegment Named(string key) => new(key, -1, false);

    public static PathSegment At(int index) => new(null, index, false);

    public static PathSegment Every => new(null, -1, true);
}

/// <summary>
/// Key paths as recipes, messages and <c>--set</c> write them: keys joined by dots, list items by <c>[i]</c>, every
/// item by <c>[*]</c>: <c>stages[1].losses[0].temperature</c>, <c>stages[*].epochs</c>.
/// </summary>
internal static class KeyPath
{
    /// <summary>The path of a key under <paramref name="parent"/>.</summary>
    public static string Child(string parent, string key) => parent.Length == 0 ? key : $"{parent}.{key}";

    /// <summary>The path of item <paramref name="index"/> of the list at <paramref name="parent"/>.</summary>
    public static string Item(string parent, int index) => $"{parent}[{index.ToString(CultureInfo.InvariantCulture)}]";

    /// <summary>The path as text.</summary>
    public static string Format(IEnumerable<PathSegment> segments)
    {
        var text = new StringBuilder();
        foreach (var segment in segments)
        {
            if (segment.IsKey)
            {
                if (text.Length > 0)
                {
                    text.Append('.');
                }

                text.Append(segment.Key);
            }
            else
            {
                text.Append(segment.AllItems ? "[*]" : $"[{segment.Index.ToString(CultureInfo.InvariantCulture)}]");
            }
        }

        return text.ToString();
    }

    /// <summary>Parses a path; null with a reason when it is not one.</summary>
    public static IReadOnlyList<PathSegment>? Parse(string text, out string? problem)
    {
        problem = null;
        var segments = new List<PathSegment>();
        var i = 0;
        var expectKey = true;
        while (i < text.Length)
        {
            if (text[i] == '[')
            {
                var close = text.IndexOf(']', i);
                if (segments.Count == 0 || close < 0)
                {
                    problem = segments.Count == 0 ? "starts with '[': a path starts with a key" : "has a '[' without its ']'";
                    return null;
                }

                var inside = text[(i + 1)..close].Trim();
                if (inside == "*")
                {
                    segments.Add(PathSegment.Every);
                }
                else if (int.TryParse(inside, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    segments.Add(PathSegment.At(index));
                }
                else
                {
                    problem = $"has '[{inside}]': a list index is a number from 0, or * for every item";
                    return null;
                }

                i = close + 1;
                expectKey = false;
                continue;
            }

            if (text[i] == '.')
            {
                if (expectKey)
                {
                    problem = "has an empty key (two dots, or a dot at the start)";
                    return null;
                }

                i++;
                expectKey = true;
                continue;
            }

            if (!expectKey)
            {
                problem = $"needs a '.' before '{text[i]}'";
                return null;
            }

            var end = i;
            while (end < text.Length && text[end] is not ('.' or '[' or ']'))
            {
                end++;
            }

            if (end < text.Length && text[end] == ']')
            {
                problem = "has a ']' without its '['";
                return null;
            }

            var key = text[i..end].Trim();
            if (key.Length == 0)
            {
                problem = "has an empty key";
                return null;
            }

            segments.Add(PathSegment.Named(key));
            i = end;
            expectKey = false;
        }

        if (segments.Count == 0 || expectKey)
        {
            problem = segments.Count == 0 ? "is empty" : "ends with a dot";
            return null;
        }

        return segments;
    }
}
