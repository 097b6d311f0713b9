namespace Distill.Students.Internal;

/// <summary>Short lists of keys for one-line messages: BERT-base has ~200 keys, and a message must stay readable.</summary>
internal static class KeyLists
{
    /// <summary>The first <paramref name="count"/> keys, comma-separated, then "and N more" when there are more.</summary>
    public static string Sample(IReadOnlyCollection<string> keys, int count = 5)
    {
        var shown = string.Join(", ", keys.Take(count));
        return keys.Count > count ? $"{shown} and {keys.Count - count} more" : shown;
    }

    /// <summary>A shape as <c>[2, 3]</c>.</summary>
    public static string Shape(long[] shape) => "[" + string.Join(", ", shape) + "]";
}
