namespace Distill.Data.Internal;

/// <summary>
/// The words of the training texts with their counts, for drawing a word in proportion to its frequency (the unigram
/// distribution). Words are kept in ordinal order so that the same texts give the same draws whatever order they came in.
/// </summary>
internal sealed class WordPool
{
    private readonly string[] _words;
    private readonly long[] _cumulative;

    public WordPool(IEnumerable<string> words)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var word in words)
        {
            counts[word] = counts.GetValueOrDefault(word) + 1;
        }

        _words = counts.Keys.Order(StringComparer.Ordinal).ToArray();
        _cumulative = new long[_words.Length];
        long total = 0;
        for (var i = 0; i < _words.Length; i++)
        {
            total += counts[_words[i]];
            _cumulative[i] = total;
        }
    }

    public int Count => _words.Length;

    public long Total => _cumulative.Length == 0 ? 0 : _cumulative[^1];

    public string Draw(SplitMix64 random)
    {
        var r = (long)random.NextBelow((ulong)Total);
        var index = Array.BinarySearch(_cumulative, r + 1);
        return _words[index >= 0 ? index : ~index];
    }
}
