using System.Globalization;
using Distill.Cache.Internal;

namespace Distill.Cache;

/// <summary>
/// Which shards one process builds: <c>i/n</c> takes every shard whose index is congruent to i modulo n (i from 0).
/// n processes with i = 0..n−1 (one per GPU, or the tasks of a Kubernetes Indexed Job or a Slurm array, each with its
/// index) together build every shard once; their cache folders merge into one with <see cref="TeacherCache.Merge"/>,
/// or they write into one shared folder directly.
/// </summary>
/// <param name="Index">This process's index, 0 ≤ Index &lt; Count.</param>
/// <param name="Count">Number of processes.</param>
public readonly record struct ShardSelection(int Index, int Count)
{
    /// <summary>One process builds everything.</summary>
    public static ShardSelection All => new(0, 1);

    /// <summary>True when this process builds shard <paramref name="shard"/>.</summary>
    public bool Includes(int shard) => shard % Count == Index;

    /// <summary>Parses <c>i/n</c>.</summary>
    /// <exception cref="DistillException">The text is not i/n with 0 ≤ i &lt; n.</exception>
    public static ShardSelection Parse(string text, string source = "--shard")
    {
        var parts = (text ?? string.Empty).Split('/');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            && count >= 1 && index < count)
        {
            return new ShardSelection(index, count);
        }

        throw CacheErrors.BadShardSelection(source, text);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Index}/{Count}";
}
