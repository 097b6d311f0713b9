using System.Globalization;
using Distill.Data.Internal;

namespace Distill.Data;

/// <summary>
/// Settings of <see cref="TransferSetAugmenter"/>, after Tang et al. 2019, "Distilling Task-Specific Knowledge from BERT
/// into Simple Neural Networks" (arXiv 1903.12136), section 3.3. The defaults are the paper's.
/// </summary>
public sealed record TransferSetAugmentationOptions
{
    /// <summary>Augmented copies made per row: the paper's n_iter. Required, ≥ 1; the paper used up to 20.</summary>
    public required int Copies { get; init; }

    /// <summary>Per word, the probability of replacing it by <see cref="MaskToken"/>: p_mask. Default 0.1.</summary>
    public double MaskProbability { get; init; } = 0.1;

    /// <summary>Per word, the probability of replacing it by another word of the training texts, drawn in proportion to
    /// its frequency: the paper's p_pos (POS-guided swapping, simplified here: there is no POS tagger, so any word may
    /// replace any other). Default 0.1. Masking and swapping exclude each other, so the two sum to at most 1.</summary>
    public double SwapProbability { get; init; } = 0.1;

    /// <summary>Per copy, the probability of keeping only an n-gram of it, n uniform in 1..<see cref="MaxNgram"/>: p_ng.
    /// Default 0.25.</summary>
    public double NgramProbability { get; init; } = 0.25;

    /// <summary>The longest n-gram sampled. Default 5, the paper's.</summary>
    public int MaxNgram { get; init; } = 5;

    /// <summary>Seeds every random choice; the same seed and rows give the same copies on every machine. Default 0.</summary>
    public ulong Seed { get; init; }

    /// <summary>The word a masked word becomes: the teacher tokenizer's mask token. Default <c>[MASK]</c>.</summary>
    public string MaskToken { get; init; } = "[MASK]";

    /// <summary>Whether each original row (augmentation id 0, label kept) comes before its copies. Default true: the
    /// paper's transfer set holds the original examples and their copies.</summary>
    public bool IncludeOriginals { get; init; } = true;

    /// <summary>Whether a copy equal to the original or to an earlier copy is dropped, as the paper does; the copies kept
    /// are then numbered 1..k with k ≤ <see cref="Copies"/>. Default true. False gives exactly <see cref="Copies"/> copies.</summary>
    public bool DiscardDuplicates { get; init; } = true;

    /// <summary>Every problem with these settings, naming the setting (as a recipe writes it), its value and the fix.</summary>
    public IEnumerable<string> Validate()
    {
        if (Copies < 1)
        {
            yield return $"augmentation.copies must be >= 1 (was {Copies}); the paper used up to 20";
        }

        foreach (var (key, p) in new[]
                 {
                     ("p_mask", MaskProbability), ("p_pos", SwapProbability), ("p_ng", NgramProbability),
                 })
        {
            if (!(p is >= 0 and <= 1))
            {
                yield return $"augmentation.{key} must be in [0, 1] (was {p.ToString(CultureInfo.InvariantCulture)})";
            }
        }

        if (MaskProbability + SwapProbability > 1)
        {
            yield return "augmentation.p_mask + augmentation.p_pos must be <= 1, since a word is masked or swapped, not " +
                         $"both (was {Math.Round(MaskProbability + SwapProbability, 10).ToString(CultureInfo.InvariantCulture)})";
        }

        if (MaxNgram < 1)
        {
            yield return $"augmentation.max_ngram must be >= 1 (was {MaxNgram})";
        }

        if (string.IsNullOrWhiteSpace(MaskToken) || MaskToken.Any(char.IsWhiteSpace))
        {
            yield return $"augmentation.mask_token must be one word without spaces (was '{MaskToken}')";
        }
    }

    /// <summary>Throws a <see cref="DistillException"/> (invalid input) listing every problem, if there is any.</summary>
    public void ThrowIfInvalid()
    {
        var errors = Validate().ToList();
        if (errors.Count > 0)
        {
            throw DataErrors.InvalidAugmentation(errors);
        }
    }
}
