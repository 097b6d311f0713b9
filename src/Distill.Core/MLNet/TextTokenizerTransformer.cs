using System.Text.Json.Nodes;
using Distill.MLNet.Internal;
using Distill.Text;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Distill.MLNet;

/// <summary>
/// The fitted tokenizer: adds token ids, attention mask and segment ids (variable-length <c>Vector&lt;Int64&gt;</c>,
/// one item per token) computed by <see cref="Encoder"/> from the text column (or the sentence pair). Saved with
/// its vocabulary by <see cref="DistillModel.Save"/>.
/// </summary>
public sealed class TextTokenizerTransformer : DistillTransformer
{
    internal const string KindName = "tokenizer";
    internal const string VocabFileName = "vocab.txt";

    internal TextTokenizerTransformer(TextTokenizerOptions options, TextEncoder encoder)
    {
        Options = options;
        Encoder = encoder;
    }

    /// <summary>The settings.</summary>
    public TextTokenizerOptions Options { get; }

    /// <summary>The encoder that tokenizes; its <see cref="TextEncoder.Report"/> counts what was truncated.</summary>
    public TextEncoder Encoder { get; }

    internal override string Kind => KindName;

    internal override IBoundMapping Bind(DataViewSchema inputSchema)
    {
        TextTokenizerEstimator.Check(InputColumns.Of(inputSchema), Options);
        return new Mapping(this, inputSchema);
    }

    internal override JsonObject SaveTo(string folder)
    {
        File.Copy(Options.Encoder.VocabPath, Path.Combine(folder, VocabFileName));
        return new JsonObject
        {
            ["text_column"] = Options.TextColumnName,
            ["pair_column"] = Options.PairColumnName,
            ["input_ids_column"] = Options.InputIdsColumnName,
            ["attention_mask_column"] = Options.AttentionMaskColumnName,
            ["token_type_ids_column"] = Options.TokenTypeIdsColumnName,
            ["vocab"] = VocabFileName,
            ["vocabulary_hash"] = Encoder.VocabularyHash,
            ["lower_case"] = Options.Encoder.LowerCase,
            ["strip_accents"] = Options.Encoder.StripAccents,
            ["max_length"] = Options.Encoder.MaxLength,
        };
    }

    internal static TextTokenizerTransformer Load(string folder, ManifestReader settings)
    {
        var vocab = Path.Combine(folder, settings.String("vocab"));
        var options = new TextTokenizerOptions
        {
            Encoder = new TextEncoderOptions
            {
                VocabPath = vocab,
                LowerCase = settings.Bool("lower_case"),
                StripAccents = settings.OptionalBool("strip_accents"),
                MaxLength = settings.Int("max_length"),
            },
            TextColumnName = settings.String("text_column"),
            PairColumnName = settings.OptionalString("pair_column"),
            InputIdsColumnName = settings.String("input_ids_column"),
            AttentionMaskColumnName = settings.String("attention_mask_column"),
            TokenTypeIdsColumnName = settings.String("token_type_ids_column"),
        };
        var encoder = TextEncoder.Create(options.Encoder);
        settings.Expect("vocabulary_hash", encoder.VocabularyHash, "the vocabulary file was changed after saving; save the model again");
        return new TextTokenizerTransformer(options, encoder);
    }

    private sealed class Mapping : BoundMapping<(string Text, string? Pair), EncodedText>
    {
        private readonly TextEncoder _encoder;

        public Mapping(TextTokenizerTransformer owner, DataViewSchema input)
            : base(input, Columns(owner.Options), ReadColumns(owner.Options, input), batchSize: 1)
        {
            _encoder = owner.Encoder;
        }

        public override Func<(string Text, string? Pair)> CreateReader(DataViewRow row)
        {
            var text = row.GetGetter<ReadOnlyMemory<char>>(Reads[0]);
            var pair = Reads.Count > 1 ? row.GetGetter<ReadOnlyMemory<char>>(Reads[1]) : null;
            ReadOnlyMemory<char> a = default, b = default;
            return () =>
            {
                text(ref a);
                if (pair is null)
                {
                    return (a.ToString(), null);
                }

                pair(ref b);
                return (a.ToString(), b.ToString());
            };
        }

        public override IReadOnlyList<EncodedText> Compute(IReadOnlyList<(string Text, string? Pair)> rows) =>
            rows.Select(r => r.Pair is null ? _encoder.Encode(r.Text) : _encoder.Encode(r.Text, r.Pair)).ToList();

        public override Delegate CreateGetter(int index, Func<EncodedText> current) => index switch
        {
            0 => Longs(() => current().InputIds),
            1 => (ValueGetter<VBuffer<long>>)((ref VBuffer<long> value) => Fill(ref value, current().Length, 1)),
            _ => Longs(() => current().TokenTypeIds),
        };

        private static ValueGetter<VBuffer<long>> Longs(Func<long[]> values) => (ref VBuffer<long> value) =>
        {
            var source = values();
            var editor = VBufferEditor.Create(ref value, source.Length);
            source.CopyTo(editor.Values);
            value = editor.Commit();
        };

        private static void Fill(ref VBuffer<long> value, int length, long item)
        {
            var editor = VBufferEditor.Create(ref value, length);
            editor.Values.Fill(item);
            value = editor.Commit();
        }

        private static AddedColumn[] Columns(TextTokenizerOptions options)
        {
            var type = new VectorDataViewType(NumberDataViewType.Int64);
            return
            [
                new AddedColumn(options.InputIdsColumnName, type),
                new AddedColumn(options.AttentionMaskColumnName, type),
                new AddedColumn(options.TokenTypeIdsColumnName, type),
            ];
        }

        private static DataViewSchema.Column[] ReadColumns(TextTokenizerOptions options, DataViewSchema input) =>
            options.PairColumnName is null
                ? [input[options.TextColumnName]]
                : [input[options.TextColumnName], input[options.PairColumnName]];
    }
}
