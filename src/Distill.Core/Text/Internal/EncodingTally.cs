namespace Distill.Text.Internal;

/// <summary>Running counts behind a <see cref="TextEncodingReport"/>; safe to add to from several threads.</summary>
internal sealed class EncodingTally
{
    private readonly Lock _lock = new();
    private long _rows;
    private long _truncated;
    private long _tokens;
    private int _longest;
    private int _longestUntruncated;

    public void Add(int length, int untruncatedLength)
    {
        lock (_lock)
        {
            _rows++;
            _tokens += length;
            _truncated += untruncatedLength > length ? 1 : 0;
            _longest = Math.Max(_longest, length);
            _longestUntruncated = Math.Max(_longestUntruncated, untruncatedLength);
        }
    }

    public TextEncodingReport Report(int maxLength)
    {
        lock (_lock)
        {
            return new TextEncodingReport(maxLength, _rows, _truncated, _longest, _rows == 0 ? 0 : (double)_tokens / _rows,
                _longestUntruncated);
        }
    }

    public void Reset()
    {
        lock (_lock)
        {
            _rows = _truncated = _tokens = 0;
            _longest = _longestUntruncated = 0;
        }
    }
}
