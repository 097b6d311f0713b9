namespace Distill.Text.Internal;

/// <summary>
/// How many tokens of each text of a pair to keep, as Hugging Face's fast tokenizers do for
/// <c>truncation="longest_first"</c> (tokenizers' <c>truncate_encodings</c>): the longer text is cut first; when both
/// must be cut, the shorter keeps ⌊budget/2⌋ and the longer the rest. For equal lengths the first text is the one
/// that keeps ⌊budget/2⌋ (Python's slow tokenizers give the extra token to the first text instead; the fast ones
/// are what <c>AutoTokenizer</c> returns, so a teacher was most likely trained with them).
/// </summary>
internal static class PairTruncation
{
    /// <summary>Tokens kept of the first and the second text, for <paramref name="budget"/> tokens in all.</summary>
    public static (int First, int Second) Lengths(int first, int second, int budget)
    {
        if (first + second <= budget)
        {
            return (first, second);
        }

        var swap = first > second;
        var (n1, n2) = swap ? (second, first) : (first, second);
        n2 = n1 > budget ? n1 : Math.Max(n1, budget - n1);
        if (n1 + n2 > budget)
        {
            n1 = budget / 2;
            n2 = n1 + budget % 2;
        }

        return swap ? (n2, n1) : (n1, n2);
    }
}
