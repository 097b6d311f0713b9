using System.Globalization;
using System.Text;
using Distill.Core.Tests.Students.Checkpoints;
using Distill.TestSupport;
using Distill.Data;
using Distill.Text;
using Distill.Text.Internal;

namespace Distill.Core.Tests.Text;

public class TextEncoderTests
{
    private static readonly Lazy<TextEncoder> Uncased = new(() => Encoder());

    private static readonly Lazy<Dictionary<string, long>> Vocab = new(() =>
        File.ReadLines(SharedData.Path("vocab", "bert-base-uncased.txt"))
            .Select((token, id) => (token, id))
            .ToDictionary(p => p.token, p => (long)p.id, StringComparer.Ordinal));

    private static TextEncoder Encoder(int maxLength = 128, bool lowerCase = true) =>
        TextEncoder.Create(new TextEncoderOptions
        {
            VocabPath = SharedData.Path("vocab", "bert-base-uncased.txt"), MaxLength = maxLength, LowerCase = lowerCase,
        });

    /// <summary>The ids of these tokens, looked up line by line in the vocabulary file.</summary>
    private static long[] Ids(params string[] tokens) => tokens.Select(t => Vocab.Value[t]).ToArray();

    [Fact]
    public void Encode_Should_GiveTheKnownBertIds_When_EncodingHelloWorld()
    {
        var encoded = Uncased.Value.Encode("hello world");

        encoded.InputIds.Should().Equal(101, 7592, 2088, 102);
        encoded.TokenTypeIds.Should().Equal(0, 0, 0, 0);
        encoded.Truncated.Should().BeFalse();
    }

    [Theory]
    [InlineData("it 's a charming and often affecting journey . ",
        "[CLS] it ' s a charming and often affecting journey . [SEP]")]
    [InlineData("unflinchingly bleak and desperate ", "[CLS] un ##fl ##in ##ching ##ly bleak and desperate [SEP]")]
    [InlineData("it 's slow -- very , very slow . ", "[CLS] it ' s slow - - very , very slow . [SEP]")]
    [InlineData("a sometimes tedious film . ", "[CLS] a sometimes ted ##ious film . [SEP]")]
    public void Encode_Should_SplitPunctuationAndWordPieces_When_EncodingSst2Sentences(string sentence, string tokens)
    {
        // Expected tokens worked out by BERT's rules (punctuation is its own token; a word not in the vocabulary is
        // split greedily into its longest pieces, continuations written ##), and their ids read from the vocab file.
        var encoded = Uncased.Value.Encode(sentence);

        encoded.InputIds.Should().Equal(Ids(tokens.Split(' ')));
    }

    [Fact]
    public void Encode_Should_KeepBackticksAndSymbolsAsPunctuation_When_TheTextHasThem()
    {
        // BERT splits every ASCII non-alphanumeric character off as punctuation; Microsoft.ML.Tokenizers 2.0.1 alone
        // deletes ` $ + = (dotnet/machinelearning#7725). SST-2 writes opening quotes as ``.
        var encoded = Uncased.Value.Encode("`` crossroads '' costs $5+tax");

        encoded.InputIds.Should().Equal(
            Ids("[CLS]", "`", "`", "crossroads", "'", "'", "costs", "$", "5", "+", "tax", "[SEP]"));
    }

    [Fact]
    public void Encode_Should_ReadTabsAndLineBreaksAsSpaces_When_TheySeparateWords()
    {
        // Microsoft.ML.Tokenizers 2.0.1 alone deletes them and glues "note" and "book" (dotnet/machinelearning#7724).
        var encoded = Uncased.Value.Encode("note\nbook\tend");

        encoded.InputIds.Should().Equal(Ids("[CLS]", "note", "book", "end", "[SEP]"));
    }

    [Fact]
    public void Encode_Should_KeepMaskWhole_When_TheTextHoldsTheMaskToken()
    {
        // The transfer-set augmenter writes [MASK] into texts; BERT matches special tokens before lower-casing.
        var encoded = Uncased.Value.Encode("a [MASK] movie[MASK]");

        encoded.InputIds.Should().Equal(Ids("[CLS]", "a", "[MASK]", "movie", "[MASK]", "[SEP]"));
        Uncased.Value.MaskToken.Should().Be("[MASK]");
        Uncased.Value.PaddingId.Should().Be(0);
    }

    [Fact]
    public void Encode_Should_AgreeWithAGreedyWordPieceReference_When_EncodingSst2DevSentences()
    {
        // Arrange: an independent implementation of BERT's basic + WordPiece tokenizer over the vocab file.
        var sentences = SharedData.Sst2DevSentences(872);

        // Act and assert
        foreach (var sentence in sentences)
        {
            Uncased.Value.Encode(sentence).InputIds.Should().Equal(ReferenceIds(sentence), because: sentence);
        }
    }

    [Fact]
    public void Encode_Should_StripAccents_When_LowerCasing_AsHuggingFaceUncasedDoes()
    {
        var encoded = Uncased.Value.Encode("Café NAÏVE");

        encoded.InputIds.Should().Equal(Ids("[CLS]", "cafe", "naive", "[SEP]"));
    }

    [Fact]
    public void Encode_Should_KeepCase_When_LowerCaseIsOff()
    {
        var encoded = Encoder(lowerCase: false).Encode("Hello world");

        encoded.InputIds.Should().Equal(Ids("[CLS]", "[UNK]", "world", "[SEP]"));
    }

    [Fact]
    public void Encode_Should_CutToMaxLengthAndSayItDid_When_TheTextIsTooLong()
    {
        var encoded = Encoder(maxLength: 5).Encode("one two three four");

        encoded.InputIds.Should().Equal(Ids("[CLS]", "one", "two", "three", "[SEP]"));
        encoded.Truncated.Should().BeTrue();
    }

    [Fact]
    public void Encode_Should_SeparateAndTypeBothSegments_When_GivenAPair()
    {
        var encoded = Uncased.Value.Encode("a man sleeps", "nobody sleeps");

        encoded.InputIds.Should().Equal(Ids("[CLS]", "a", "man", "sleeps", "[SEP]", "nobody", "sleeps", "[SEP]"));
        encoded.TokenTypeIds.Should().Equal(0, 0, 0, 0, 0, 1, 1, 1);
        encoded.Truncated.Should().BeFalse();
    }

    [Fact]
    public void Encode_Should_CutTheLongerTextFirst_When_APairIsTooLong()
    {
        // Arrange: 6 + 2 tokens, room for 5.
        var encoder = Encoder(maxLength: 8);

        // Act
        var encoded = encoder.Encode("one two three four five six", "seven eight");

        // Assert
        encoded.InputIds.Should().Equal(Ids("[CLS]", "one", "two", "three", "[SEP]", "seven", "eight", "[SEP]"));
        encoded.TokenTypeIds.Should().Equal(0, 0, 0, 0, 0, 1, 1, 1);
        encoded.Truncated.Should().BeTrue();
    }

    [Fact]
    public void Encode_Should_CutBothTexts_When_EachIsLongerThanHalf()
    {
        // 4 + 5 tokens, room for 5: the shorter keeps 2, the longer 3.
        var encoded = Encoder(maxLength: 8).Encode("one two three four", "five six seven eight nine");

        encoded.InputIds.Should().Equal(Ids("[CLS]", "one", "two", "[SEP]", "five", "six", "seven", "[SEP]"));
    }

    [Theory]
    [InlineData(10, 3, 8, 5, 3)]
    [InlineData(3, 10, 8, 3, 5)]
    [InlineData(5, 5, 7, 3, 4)]
    [InlineData(6, 5, 9, 5, 4)]
    [InlineData(2, 2, 10, 2, 2)]
    [InlineData(20, 1, 4, 3, 1)]
    [InlineData(7, 9, 0, 0, 0)]
    public void Lengths_Should_FollowHuggingFacesLongestFirst_When_APairExceedsTheBudget(
        int first, int second, int budget, int keptFirst, int keptSecond)
    {
        // Values from tokenizers' truncate_encodings (LongestFirst), worked by hand.
        var kept = PairTruncation.Lengths(first, second, budget);

        kept.Should().Be((keptFirst, keptSecond));
    }

    [Fact]
    public void Report_Should_CountRowsTruncationAndLengths_When_TextsWereEncoded()
    {
        // Arrange
        var encoder = Encoder(maxLength: 4);

        // Act: lengths 3, 4 (cut from 5) and 4 (exact).
        encoder.Encode("one");
        encoder.Encode("one two three");
        encoder.Encode("one two");
        var report = encoder.Report;

        // Assert
        report.Should().Be(new TextEncodingReport(MaxLength: 4, Rows: 3, TruncatedRows: 1, LongestLength: 4,
            MeanLength: 11 / 3.0, LongestUntruncatedLength: 5));
        report.ToString().Should().Be("3 rows, 1 truncated (33.3%) at max_length 4; tokens: mean 3.7, longest 4 (5 before truncation)");
        encoder.ResetReport();
        encoder.Report.Rows.Should().Be(0);
    }

    [Fact]
    public void Encode_Should_UseEachModelsOwnVocabulary_When_TeacherAndStudentDiffer()
    {
        // Arrange: a student vocabulary of nine tokens.
        using var temp = new TempFolder();
        File.WriteAllLines(temp["student.txt"], ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", "##s", "!"]);
        var student = TextEncoder.Create(new TextEncoderOptions { VocabPath = temp["student.txt"], MaxLength = 16 });
        var row = new DataRow(0, ["Hello worlds!"], null);

        // Act
        var teacherIds = Uncased.Value.Encode(row).InputIds;
        var studentIds = student.Encode(row).InputIds;

        // Assert
        studentIds.Should().Equal(2, 5, 6, 7, 8, 3);
        teacherIds.Should().Equal(Ids("[CLS]", "hello", "worlds", "!", "[SEP]"));
        student.VocabularyHash.Should().NotBe(Uncased.Value.VocabularyHash);
    }

    [Fact]
    public void Encode_Should_Refuse_When_ARowHasNoText()
    {
        var act = () => Uncased.Value.Encode(new DataRow(7, [], "1", [0.5f]));

        act.Should().Throw<DistillException>().Where(e => e.Kind == DistillErrorKind.InvalidInput)
            .WithMessage("row 7 has 0 texts; a text encoder reads one text or a sentence pair*");
    }

    [Fact]
    public void Create_Should_ListEveryProblem_When_TheOptionsAreWrong()
    {
        var act = () => TextEncoder.Create(new TextEncoderOptions { VocabPath = "/nowhere/vocab.txt", MaxLength = 2 });

        act.Should().Throw<DistillException>().WithMessage(
            "Invalid text encoder settings: /nowhere/vocab.txt: vocabulary file not found; give the vocab.txt of the " +
            "model's tokenizer; max_length must be >= 3, room for [CLS] and two [SEP]s (was 2)");
    }

    /// <summary>BERT's tokenization written out: lower-case, strip accents, split on whitespace and punctuation, then
    /// greedy longest-match-first WordPiece with "##" continuations; [UNK] for a word that cannot be split.</summary>
    private static long[] ReferenceIds(string text)
    {
        var normalized = new string(text.ToLowerInvariant().Normalize(NormalizationForm.FormD)
            .Where(c => CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark).ToArray());
        var words = new List<string>();
        foreach (var chunk in normalized.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            var current = new StringBuilder();
            foreach (var c in chunk)
            {
                if (char.IsPunctuation(c) || (c < 128 && char.IsSymbol(c)))
                {
                    if (current.Length > 0)
                    {
                        words.Add(current.ToString());
                        current.Clear();
                    }

                    words.Add(c.ToString());
                }
                else
                {
                    current.Append(c);
                }
            }

            if (current.Length > 0)
            {
                words.Add(current.ToString());
            }
        }

        var ids = new List<long> { Vocab.Value["[CLS]"] };
        foreach (var word in words)
        {
            var pieces = new List<long>();
            var start = 0;
            while (start < word.Length)
            {
                var end = word.Length;
                long? found = null;
                for (; end > start; end--)
                {
                    var piece = (start > 0 ? "##" : "") + word[start..end];
                    if (Vocab.Value.TryGetValue(piece, out var id))
                    {
                        found = id;
                        break;
                    }
                }

                if (found is null)
                {
                    pieces = [Vocab.Value["[UNK]"]];
                    break;
                }

                pieces.Add(found.Value);
                start = end;
            }

            ids.AddRange(pieces);
        }

        ids.Add(Vocab.Value["[SEP]"]);
        return ids.ToArray();
    }
}
