using Distill.Data.Internal;

namespace Distill.Data;

/// <summary>
/// Enlarges a text data set into a transfer set for distillation, as Tang et al. 2019 (arXiv 1903.12136, section 3.3)
/// do: each copy of a row masks some words, swaps some for other words, and sometimes keeps only an n-gram. The teacher
/// labels the copies, so they carry no label.
/// </summary>
/// <remarks>
/// <para>For each copy, every whitespace-separated word of each text draws u uniform in [0, 1): u &lt; p_mask makes it
/// the mask token; p_mask ≤ u &lt; p_mask + p_pos replaces it with another word. Then, with probability p_ng, the
/// copy keeps only a random n-gram of its words, n uniform in 1..5. Texts of a sentence pair are augmented each on its
/// own. Words of a copy are joined by single spaces.</para>
/// <para>Simplification: the paper swaps a word for one with the same part-of-speech tag. There is no tagger here, so a
/// word is drawn from the training texts' own words in proportion to their frequency, whatever its part of speech.</para>
/// <para>Copies are deterministic: each (seed, row id, copy number) has its own random stream, so a row's copies do not
/// depend on the rows before it, on sharding, or on the .NET version.</para>
/// </remarks>
public sealed class TransferSetAugmenter
{
    private readonly WordPool _words;

    private TransferSetAugmenter(TransferSetAugmentationOptions options, WordPool words)
    {
        Options = options;
        _words = words;
    }

    /// <summary>The settings in use.</summary>
    public TransferSetAugmentationOptions Options { get; }

    /// <summary>Distinct words that swapping draws from.</summary>
    public int VocabularySize => _words.Count;

    /// <summary>
    /// Creates an augmenter whose swaps draw from the words of <paramref name="trainingRows"/> (read once, now; pass
    /// unlabelled in-domain rows too to draw from them as well).
    /// </summary>
    /// <exception cref="DistillException">Invalid options.</exception>
    public static TransferSetAugmenter Create(IEnumerable<DataRow> trainingRows, TransferSetAugmentationOptions options)
    {
        ArgumentNullException.ThrowIfNull(trainingRows);
        ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfInvalid();
        return new TransferSetAugmenter(options, new WordPool(trainingRows.SelectMany(r => r.Texts).SelectMany(Words)));
    }

    /// <summary>
    /// The transfer set of <paramref name="rows"/>, streamed: each row (when <see cref="TransferSetAugmentationOptions.IncludeOriginals"/>)
    /// followed by its copies, which keep the row's <see cref="DataRow.Id"/>, have <see cref="DataRow.AugmentationId"/>
    /// 1..N and no label.
    /// </summary>
    /// <exception cref="DistillException">A row has no text (augmentation applies to text rows).</exception>
    public IEnumerable<DataRow> Augment(IEnumerable<DataRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return AugmentRows(rows);
    }

    /// <summary>
    /// Adds unlabelled in-domain rows (a <see cref="DataFormat.Lines"/> file, or any reader's rows) to a transfer set: like
    /// <see cref="Augment"/>, but each row is renumbered <paramref name="firstId"/> + its position and loses any label,
    /// so that its ids do not collide with the labelled rows' (pass their row count).
    /// </summary>
    public IEnumerable<DataRow> AugmentUnlabelled(IEnumerable<DataRow> rows, long firstId)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(firstId);
        return AugmentRows(rows.Select((row, i) => row with { Id = firstId + i, Label = null, AugmentationId = 0 }));
    }

    /// <summary>The copies of one row's texts: up to <see cref="TransferSetAugmentationOptions.Copies"/> text lists.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Copies(DataRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        if (row.Texts.Count == 0)
        {
            throw DataErrors.AugmentationNeedsText(row.Id);
        }

        var copies = new List<IReadOnlyList<string>>(Options.Copies);
        var seen = new HashSet<string>(StringComparer.Ordinal) { Key(row.Texts.Select(t => string.Join(' ', Words(t))).ToList()) };
        for (var copy = 1; copy <= Options.Copies; copy++)
        {
            var random = SplitMix64.For(Options.Seed, row.Id, copy);
            var texts = row.Texts.Select(t => AugmentText(t, random)).ToArray();
            if (!Options.DiscardDuplicates || seen.Add(Key(texts)))
            {
                copies.Add(texts);
            }
        }

        return copies;
    }

    private IEnumerable<DataRow> AugmentRows(IEnumerable<DataRow> rows)
    {
        foreach (var row in rows)
        {
            var copies = Copies(row);
            if (Options.IncludeOriginals)
            {
                yield return row.AugmentationId == 0 ? row : row with { AugmentationId = 0 };
            }

            for (var i = 0; i < copies.Count; i++)
            {
                yield return new DataRow(row.Id, copies[i], Label: null, Features: null, AugmentationId: i + 1);
            }
        }
    }

    private string AugmentText(string text, SplitMix64 random)
    {
        var words = Words(text).ToArray();
        for (var i = 0; i < words.Length; i++)
        {
            var u = random.NextDouble();
            if (u < Options.MaskProbability)
            {
                words[i] = Options.MaskToken;
            }
            else if (u < Options.MaskProbability + Options.SwapProbability && _words.Count > 1)
            {
                // "Another word": redraw a few times when the draw is the word itself (a frequent word often is).
                var original = words[i];
                for (var attempt = 0; attempt < 8 && words[i] == original; attempt++)
                {
                    words[i] = _words.Draw(random);
                }
            }
        }

        if (words.Length > 0 && random.NextDouble() < Options.NgramProbability)
        {
            var n = Math.Min(1 + random.NextInt(Options.MaxNgram), words.Length);
            var start = random.NextInt(words.Length - n + 1);
            words = words[start..(start + n)];
        }

        return string.Join(' ', words);
    }

    private static IEnumerable<string> Words(string text) =>
        text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);

    private static string Key(IReadOnlyList<string> texts) => string.Join('\u0001', texts);
}
