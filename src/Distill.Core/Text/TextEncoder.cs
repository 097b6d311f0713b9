using Distill.Data;
using Distill.Text.Internal;
using Microsoft.ML.Tokenizers;

namespace Distill.Text;

/// <summary>
/// Encodes raw text for one model with its BERT WordPiece vocabulary, giving the ids Hugging Face's BERT tokenizer
/// gives: <c>[CLS] a [SEP]</c>, or <c>[CLS] a [SEP] b [SEP]</c> for a pair, with segment ids 0 then 1, cut to
/// <see cref="TextEncoderOptions.MaxLength"/> and left unpadded (<see cref="TextBatch.Pad"/> pads a batch). Teacher and
/// student each get their own encoder over the same raw text, so their vocabularies may differ. Every encoding is
/// counted in <see cref="Report"/>. Safe to use from several threads.
/// </summary>
/// <remarks>
/// WordPiece is Microsoft.ML.Tokenizers' <see cref="BertTokenizer"/>; the basic tokenization before it (cleaning,
/// accents, case, punctuation) is Distill's, because the library's drops symbols such as <c>`</c> and <c>$</c> and
/// glues words at tabs and line breaks, which Hugging Face's does not (dotnet/machinelearning#7725, #7724).
/// </remarks>
public sealed class TextEncoder
{
    private readonly BertTokenizer _tokenizer;
    private readonly BertPreTokenizer _preTokenizer;
    private readonly EncodingTally _tally = new();

    private TextEncoder(TextEncoderOptions options, BertTokenizer tokenizer, string vocabularyHash)
    {
        Options = options;
        _tokenizer = tokenizer;
        _preTokenizer = new BertPreTokenizer(options.LowerCase, options.StripAccents ?? options.LowerCase,
        [
            tokenizer.ClassificationToken, tokenizer.SeparatorToken, tokenizer.PaddingToken, tokenizer.UnknownToken,
            tokenizer.MaskingToken,
        ]);
        VocabularyHash = vocabularyHash;
    }

    /// <summary>The settings this encoder was created with.</summary>
    public TextEncoderOptions Options { get; }

    /// <summary>The vocabulary's <see cref="Text.VocabularyHash"/>, for checkpoints and cache keys.</summary>
    public string VocabularyHash { get; }

    /// <summary>Tokens in the vocabulary: the rows a student's embedding table needs.</summary>
    /// <remarks>A token's id is its line in vocab.txt, so the table needs one row per line.</remarks>
    public int VocabularySize { get; private init; }

    /// <summary>The vocabulary's [PAD] id, for <see cref="TextBatch.Pad"/> (0 in BERT vocabularies).</summary>
    public long PaddingId => _tokenizer.PaddingTokenId;

    /// <summary>The vocabulary's mask token ([MASK]), which <see cref="Data.TransferSetAugmentationOptions.MaskToken"/>
    /// should name so that masked words reach the teacher as its mask id.</summary>
    public string MaskToken => _tokenizer.MaskingToken;

    /// <summary>What has been encoded since creation or the last <see cref="ResetReport"/>.</summary>
    public TextEncodingReport Report => _tally.Report(Options.MaxLength);

    /// <summary>Creates the encoder, reading the vocabulary.</summary>
    /// <exception cref="DistillException">Invalid options, or a vocabulary that cannot be read.</exception>
    public static TextEncoder Create(TextEncoderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfInvalid();
        BertTokenizer tokenizer;
        try
        {
            // Case and accents are BertPreTokenizer's job; lower-casing here would also turn [MASK] into [mask].
            tokenizer = BertTokenizer.Create(options.VocabPath, new BertOptions
            {
                LowerCaseBeforeTokenization = false,
                ApplyBasicTokenization = false,
                SplitOnSpecialTokens = true,
            });
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException or IOException)
        {
            throw TextErrors.UnreadableVocabulary(options.VocabPath, e);
        }

        return new TextEncoder(options, tokenizer, Text.VocabularyHash.Compute(options.VocabPath))
        {
            VocabularySize = File.ReadLines(options.VocabPath).Count(),
        };
    }

    /// <summary>Encodes one text: <c>[CLS] tokens [SEP]</c>, cut to the max length.</summary>
    public EncodedText Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = Tokenize(text);
        var keep = Math.Min(tokens.Count, Options.MaxLength - 2);
        var ids = new long[keep + 2];
        ids[0] = _tokenizer.ClassificationTokenId;
        for (var i = 0; i < keep; i++)
        {
            ids[i + 1] = tokens[i];
        }

        ids[^1] = _tokenizer.SeparatorTokenId;
        _tally.Add(ids.Length, tokens.Count + 2);
        return new EncodedText(ids, new long[ids.Length], Truncated: keep < tokens.Count);
    }

    /// <summary>
    /// Encodes a sentence pair: <c>[CLS] a [SEP] b [SEP]</c>, segment ids 0 up to the first [SEP] and 1 after it. When it
    /// is too long, the longer text loses tokens first, as Hugging Face's <c>truncation="longest_first"</c> does.
    /// </summary>
    public EncodedText Encode(string text, string pair)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(pair);
        var a = Tokenize(text);
        var b = Tokenize(pair);
        var (keepA, keepB) = PairTruncation.Lengths(a.Count, b.Count, Options.MaxLength - 3);
        var ids = new long[keepA + keepB + 3];
        var types = new long[ids.Length];
        ids[0] = _tokenizer.ClassificationTokenId;
        for (var i = 0; i < keepA; i++)
        {
            ids[1 + i] = a[i];
        }

        ids[keepA + 1] = _tokenizer.SeparatorTokenId;
        for (var i = 0; i < keepB; i++)
        {
            ids[keepA + 2 + i] = b[i];
            types[keepA + 2 + i] = 1;
        }

        ids[^1] = _tokenizer.SeparatorTokenId;
        types[^1] = 1;
        var truncated = keepA < a.Count || keepB < b.Count;
        _tally.Add(ids.Length, a.Count + b.Count + 3);
        return new EncodedText(ids, types, truncated);
    }

    /// <summary>Encodes a row's text, or its sentence pair when it has two texts.</summary>
    /// <exception cref="DistillException">The row has no text (a float row) or more than two.</exception>
    public EncodedText Encode(DataRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return row.Texts.Count switch
        {
            1 => Encode(row.Texts[0]),
            2 => Encode(row.Texts[0], row.Texts[1]),
            var n => throw TextErrors.WrongTextCount(row.Id, n),
        };
    }

    /// <summary>Forgets what <see cref="Report"/> has counted, to count another data set.</summary>
    public void ResetReport() => _tally.Reset();

    /// <summary>The WordPiece ids of the text's words, without special tokens around them.</summary>
    private IReadOnlyList<int> Tokenize(string text) =>
        _tokenizer.EncodeToIds(_preTokenizer.Apply(text), addSpecialTokens: false, considerPreTokenization: true,
            considerNormalization: false);
}
