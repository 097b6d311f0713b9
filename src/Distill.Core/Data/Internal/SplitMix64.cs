namespace Distill.Data.Internal;

/// <summary>
/// A small pseudo-random generator (Steele, Lea and Flood's SplitMix64). Used instead of <see cref="Random"/> because
/// augmented copies are cached by (row id, augmentation id): the same seed must give the same copies on every .NET
/// version and machine, and <see cref="Random"/>'s algorithm is not promised to stay the same.
/// </summary>
internal sealed class SplitMix64
{
    private ulong _state;

    public SplitMix64(ulong seed)
    {
        _state = seed;
    }

    /// <summary>A generator for one stream identified by several values (seed, row id, copy): each gets its own.</summary>
    public static SplitMix64 For(ulong seed, long id, long stream)
    {
        var mixer = new SplitMix64(seed);
        var a = mixer.NextUInt64() ^ (ulong)id;
        mixer = new SplitMix64(a);
        var b = mixer.NextUInt64() ^ (ulong)stream;
        return new SplitMix64(new SplitMix64(b).NextUInt64());
    }

    public ulong NextUInt64()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1), from the top 53 bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [0, <paramref name="bound"/>), without modulo bias (Lemire's method with rejection).</summary>
    public ulong NextBelow(ulong bound)
    {
        if (bound == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(bound), "bound must be > 0");
        }

        var threshold = (0UL - bound) % bound;
        while (true)
        {
            var r = NextUInt64();
            var high = Math.BigMul(r, bound, out var low);
            if (low >= threshold)
            {
                return high;
            }
        }
    }

    /// <summary>Uniform in [0, <paramref name="bound"/>).</summary>
    public int NextInt(int bound) => (int)NextBelow((ulong)bound);
}
