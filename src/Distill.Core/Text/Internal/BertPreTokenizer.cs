using System.Globalization;
using System.Text;

namespace Distill.Text.Internal;

/// <summary>
/// BERT's "basic tokenization" as Hugging Face's fast tokenizers do it (tokenizers' <c>BertNormalizer</c> then
/// <c>BertPreTokenizer</c>): drop control characters, turn whitespace into spaces, put spaces around CJK ideographs,
/// strip accents, lower-case, then split on whitespace and punctuation, keeping the special tokens ([MASK] and the
/// like) whole. Its output, words joined by single spaces, is what the WordPiece stage reads.
/// </summary>
/// <remarks>
/// Microsoft.ML.Tokenizers 2.0.1's own basic tokenization differs from BERT's in ways that change token ids:
/// it deletes every Unicode symbol (<c>$ + &lt; = &gt; ^ ` | ~</c>, °, ©, emoji) where BERT splits the ASCII ones off as
/// punctuation and gives the others to WordPiece (dotnet/machinelearning#7725), and it deletes tab, CR and LF where
/// BERT reads them as spaces, gluing words together (#7724). SST-2 writes quotes as <c>``</c>, so 4% of its dev rows
/// would lose tokens the teacher saw. Distill therefore does this step itself and runs
/// <see cref="Microsoft.ML.Tokenizers.BertTokenizer"/> with <c>ApplyBasicTokenization = false</c>, for WordPiece only.
/// </remarks>
internal sealed class BertPreTokenizer
{
    private readonly bool _lowerCase;
    private readonly bool _stripAccents;
    private readonly string[] _specialTokens;

    public BertPreTokenizer(bool lowerCase, bool stripAccents, IEnumerable<string> specialTokens)
    {
        _lowerCase = lowerCase;
        _stripAccents = stripAccents;
        // Longest first, so that a special token that starts with another one is matched whole.
        _specialTokens = specialTokens.Where(t => t.Length > 0).Distinct().OrderByDescending(t => t.Length).ToArray();
    }

    /// <summary>The words of <paramref name="text"/>, joined by single spaces.</summary>
    public string Apply(string text)
    {
        var output = new StringBuilder(text.Length + 16);
        var start = 0;
        while (start < text.Length)
        {
            var (at, special) = NextSpecial(text, start);
            Normalize(text.AsSpan(start, at - start), output);
            if (special is null)
            {
                break;
            }

            // Special tokens are matched in the raw text, before any normalization, as Hugging Face's added tokens are.
            output.Append(' ').Append(special).Append(' ');
            start = at + special.Length;
        }

        return string.Join(' ', output.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    private (int At, string? Token) NextSpecial(string text, int start)
    {
        var best = (At: text.Length, Token: (string?)null);
        foreach (var token in _specialTokens)
        {
            var at = text.IndexOf(token, start, StringComparison.Ordinal);
            if (at >= 0 && at < best.At)
            {
                best = (at, token);
            }
        }

        return best;
    }

    /// <summary>Cleans, normalizes and splits one stretch of text without special tokens, appending words and spaces.</summary>
    private void Normalize(ReadOnlySpan<char> text, StringBuilder output)
    {
        if (text.IsEmpty)
        {
            return;
        }

        var cleaned = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            if (rune.Value == 0 || rune.Value == 0xFFFD || IsControl(rune))
            {
                continue;
            }

            if (IsWhitespace(rune))
            {
                cleaned.Append(' ');
            }
            else if (IsCjk(rune.Value))
            {
                cleaned.Append(' ').Append(rune.ToString()).Append(' ');
            }
            else
            {
                cleaned.Append(rune.ToString());
            }
        }

        var normalized = cleaned.ToString();
        if (_stripAccents)
        {
            var decomposed = normalized.Normalize(NormalizationForm.FormD);
            var kept = new StringBuilder(decomposed.Length);
            foreach (var rune in decomposed.EnumerateRunes())
            {
                if (Rune.GetUnicodeCategory(rune) != UnicodeCategory.NonSpacingMark)
                {
                    kept.Append(rune.ToString());
                }
            }

            normalized = kept.ToString();
        }

        if (_lowerCase)
        {
            normalized = normalized.ToLowerInvariant();
        }

        foreach (var rune in normalized.EnumerateRunes())
        {
            if (IsPunctuation(rune))
            {
                output.Append(' ').Append(rune.ToString()).Append(' ');
            }
            else
            {
                output.Append(rune.ToString());
            }
        }
    }

    /// <summary>Tab, LF and CR count as whitespace; other "other" characters (Cc, Cf, Cn, Co, Cs) are dropped.</summary>
    private static bool IsControl(Rune rune) =>
        rune.Value is not ('\t' or '\n' or '\r')
        && Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format
            or UnicodeCategory.OtherNotAssigned or UnicodeCategory.PrivateUse or UnicodeCategory.Surrogate;

    private static bool IsWhitespace(Rune rune) => Rune.IsWhiteSpace(rune);

    /// <summary>BERT's punctuation: every ASCII character that is not a letter, digit or space, and Unicode's P*.</summary>
    private static bool IsPunctuation(Rune rune)
    {
        var c = rune.Value;
        if (c is >= 33 and <= 47 or >= 58 and <= 64 or >= 91 and <= 96 or >= 123 and <= 126)
        {
            return true;
        }

        return Rune.GetUnicodeCategory(rune) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;
    }

    /// <summary>The CJK Unified Ideograph blocks BERT splits into single characters.</summary>
    private static bool IsCjk(int c) =>
        c is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF or >= 0x20000 and <= 0x2A6DF or >= 0x2A700 and <= 0x2B73F
            or >= 0x2B740 and <= 0x2B81F or >= 0x2B820 and <= 0x2CEAF or >= 0xF900 and <= 0xFAFF or >= 0x2F800 and <= 0x2FA1F;
}
