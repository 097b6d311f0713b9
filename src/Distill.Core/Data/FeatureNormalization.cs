using System.Globalization;
using Distill.Data.Internal;

namespace Distill.Data;

/// <summary>
/// Numeric preprocessing of float features, as torchvision's <c>ToTensor</c> scaling followed by <c>Normalize</c>:
/// <c>y = (x · Scale − Mean[c]) / Std[c]</c> for every value <c>x</c> of channel <c>c</c>. Features are channels-first:
/// for shape [C, H, W] channel <c>c</c> is the c-th block of H·W values; for a flat shape [D] each value is its own
/// channel.
/// </summary>
/// <remarks>
/// This is part of a model's input contract: the teacher's normalization must be the one it was trained with (for
/// MNIST, <c>Scale = 1/255, Mean = [0.1307], Std = [0.3081]</c>), or it sees inputs it never saw and its targets are
/// wrong. The student's normalization is a separate instance of this type and may differ. Images read from a folder
/// are already in [0, 1] (ToTensor's division by 255 is done by the reader), so their Scale stays 1.
/// </remarks>
public sealed record FeatureNormalization
{
    /// <summary>No change: scale 1, no mean, no std.</summary>
    public static FeatureNormalization None { get; } = new();

    /// <summary>Multiplies every raw value first (1/255 turns 0..255 pixels into [0, 1]). Default 1. Finite, non-zero.</summary>
    public float Scale { get; init; } = 1f;

    /// <summary>Subtracted per channel after scaling: empty (the default, subtract nothing) or one value per channel.</summary>
    public IReadOnlyList<float> Mean { get; init; } = [];

    /// <summary>Divides per channel after the mean is subtracted: empty (the default, divide by nothing) or one value per
    /// channel, each &gt; 0.</summary>
    public IReadOnlyList<float> Std { get; init; } = [];

    /// <summary>True when <see cref="Apply"/> returns its input unchanged.</summary>
    public bool IsIdentity => Scale == 1f && Mean.All(m => m == 0f) && Std.All(s => s == 1f);

    /// <summary>
    /// Every problem with these settings for features of <paramref name="channels"/> channels, each naming the setting
    /// under <paramref name="key"/> (as a recipe writes it), its value and the fix; empty when valid.
    /// </summary>
    public IEnumerable<string> Validate(int channels, string key = "normalization")
    {
        if (!float.IsFinite(Scale) || Scale == 0f)
        {
            yield return $"{key}.scale must be a finite number other than 0 (was {DataErrors.Number(Scale)})";
        }

        foreach (var (name, values) in new[] { ("mean", Mean), ("std", Std) })
        {
            if (values.Count != 0 && values.Count != channels)
            {
                yield return $"{key}.{name} has {values.Count} value{(values.Count == 1 ? "" : "s")} but the features have " +
                             $"{channels} channel{(channels == 1 ? "" : "s")}; give one {name} per channel, or none";
            }
        }

        for (var c = 0; c < Mean.Count; c++)
        {
            if (!float.IsFinite(Mean[c]))
            {
                yield return $"{key}.mean[{c}] must be a finite number (was {DataErrors.Number(Mean[c])})";
            }
        }

        for (var c = 0; c < Std.Count; c++)
        {
            if (!(Std[c] > 0f) || !float.IsFinite(Std[c]))
            {
                yield return $"{key}.std[{c}] must be a finite number > 0 (was {DataErrors.Number(Std[c])}); a zero std " +
                             "would divide by zero";
            }
        }
    }

    /// <summary>Throws a <see cref="DistillException"/> listing every problem for <paramref name="channels"/> channels.</summary>
    public void ThrowIfInvalid(int channels, string key = "normalization")
    {
        var errors = Validate(channels, key).ToList();
        if (errors.Count > 0)
        {
            throw DataErrors.InvalidFeatureNormalization(errors);
        }
    }

    /// <summary>The normalized copy of <paramref name="values"/> (channels-first, <paramref name="channels"/> equal blocks).</summary>
    public float[] Apply(ReadOnlySpan<float> values, int channels)
    {
        var result = values.ToArray();
        ApplyInPlace(result, channels);
        return result;
    }

    /// <summary>Normalizes <paramref name="values"/> in place (channels-first, <paramref name="channels"/> equal blocks).</summary>
    /// <exception cref="ArgumentException">The length is not a multiple of the channel count, or the settings do not fit it.</exception>
    public void ApplyInPlace(Span<float> values, int channels)
    {
        if (channels <= 0 || values.Length % channels != 0)
        {
            throw new ArgumentException(
                $"{values.Length} values cannot be split into {channels} channels of equal size", nameof(channels));
        }

        if ((Mean.Count != 0 && Mean.Count != channels) || (Std.Count != 0 && Std.Count != channels))
        {
            throw new ArgumentException(
                $"normalization has {Mean.Count} means and {Std.Count} stds for {channels} channels; call Validate first",
                nameof(channels));
        }

        if (IsIdentity)
        {
            return;
        }

        var size = values.Length / channels;
        for (var c = 0; c < channels; c++)
        {
            var mean = Mean.Count == 0 ? 0f : Mean[c];
            var std = Std.Count == 0 ? 1f : Std[c];
            var block = values.Slice(c * size, size);
            for (var i = 0; i < block.Length; i++)
            {
                // Same order of operations as ToTensor then Normalize, so float results match torchvision's.
                block[i] = (block[i] * Scale - mean) / std;
            }
        }
    }

    /// <inheritdoc />
    public bool Equals(FeatureNormalization? other) =>
        other is not null && Scale.Equals(other.Scale) && Mean.SequenceEqual(other.Mean) && Std.SequenceEqual(other.Std);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Scale, Mean.Count, Std.Count);

    /// <summary><c>(x·scale − mean) / std</c> with the values, for logs and reports.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture,
            $"(x·{Scale} − [{string.Join(", ", Mean)}]) / [{string.Join(", ", Std)}]");
}
