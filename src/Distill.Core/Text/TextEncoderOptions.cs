using Distill.Text.Internal;

namespace Distill.Text;

/// <summary>
/// The tokenization of one model (the teacher's or the student's; they may differ): its WordPiece vocabulary, its
/// casing, and the most tokens it takes. Must match how that model was trained.
/// </summary>
public sealed record TextEncoderOptions
{
    /// <summary>The model's WordPiece <c>vocab.txt</c>, one token per line in id order. Required.</summary>
    public required string VocabPath { get; init; }

    /// <summary>Whether text is lower-cased before tokenization. Default true (the <c>-uncased</c> BERT models); false for
    /// <c>-cased</c> ones.</summary>
    public bool LowerCase { get; init; } = true;

    /// <summary>Whether accents are removed (<c>café</c> becomes <c>cafe</c>). Default null: the same as
    /// <see cref="LowerCase"/>, as Hugging Face's BERT tokenizers do (<c>strip_accents=None</c>); without it, the uncased
    /// vocabulary, which has no accented words, would read <c>café</c> as [UNK].</summary>
    public bool? StripAccents { get; init; }

    /// <summary>The most tokens an encoded text has, [CLS] and [SEP]s included; longer texts are truncated (and counted
    /// in the <see cref="TextEncodingReport"/>). Default 128, Hugging Face's GLUE default. At least 3, room for
    /// [CLS] a [SEP] b [SEP] with nothing else.</summary>
    public int MaxLength { get; init; } = 128;

    /// <summary>Every problem with these options, naming the setting, its value and the fix; empty when valid.</summary>
    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(VocabPath))
        {
            yield return "vocab is empty; give the model's vocab.txt";
        }
        else if (!File.Exists(VocabPath))
        {
            yield return $"{VocabPath}: vocabulary file not found; give the vocab.txt of the model's tokenizer";
        }

        if (MaxLength < 3)
        {
            yield return $"max_length must be >= 3, room for [CLS] and two [SEP]s (was {MaxLength})";
        }
    }

    /// <summary>Throws a <see cref="DistillException"/> (invalid input) listing every problem, if there is any.</summary>
    public void ThrowIfInvalid()
    {
        var errors = Validate().ToList();
        if (errors.Count > 0)
        {
            throw TextErrors.InvalidEncoderSettings(errors);
        }
    }
}
