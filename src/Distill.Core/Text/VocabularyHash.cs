using System.Security.Cryptography;
using Distill.Text.Internal;

namespace Distill.Text;

/// <summary>
/// Identifies a tokenizer vocabulary by content: the SHA-256 of a <c>vocab.txt</c> file's bytes, written
/// <c>sha256:&lt;64 lower-case hex digits&gt;</c>. Checkpoints record it so that a student is never run with token ids
/// from a different vocabulary, which would give wrong answers without any error.
/// </summary>
public static class VocabularyHash
{
    /// <summary>What every hash starts with; names the algorithm so that another one can be added later.</summary>
    public const string Prefix = "sha256:";

    /// <summary>The hash of the vocabulary file at <paramref name="vocabPath"/>.</summary>
    /// <exception cref="DistillException">The file does not exist.</exception>
    public static string Compute(string vocabPath)
    {
        ArgumentNullException.ThrowIfNull(vocabPath);
        if (!File.Exists(vocabPath))
        {
            throw TextErrors.VocabularyMissing(vocabPath);
        }

        using var stream = File.OpenRead(vocabPath);
        return Compute(stream);
    }

    /// <summary>The hash of the bytes read from <paramref name="vocab"/>, from its current position to its end.</summary>
    public static string Compute(Stream vocab)
    {
        ArgumentNullException.ThrowIfNull(vocab);
        return Prefix + Convert.ToHexStringLower(SHA256.HashData(vocab));
    }

    /// <summary>True when <paramref name="hash"/> has this class's form (prefix and 64 hex digits).</summary>
    public static bool IsWellFormed(string? hash) =>
        hash is not null
        && hash.Length == Prefix.Length + 64
        && hash.StartsWith(Prefix, StringComparison.Ordinal)
        && !hash.AsSpan(Prefix.Length).ContainsAnyExcept("0123456789abcdef");
}
