using Distill.MLNet.Internal;
using Distill.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using VectorKind = Microsoft.ML.SchemaShape.Column.VectorKind;

namespace Distill.MLNet;

/// <summary>
/// Tokenizes a text column, or a sentence pair of two, with a BERT WordPiece vocabulary (Distill's
/// <see cref="TextEncoder"/>, which gives the ids Hugging Face's tokenizer gives) into three columns: token ids,
/// attention mask and segment ids, each a variable-length <c>Vector&lt;Int64&gt;</c> of one item per token, unpadded
/// (see <see cref="DistillColumnNames"/>). Made by <c>mlContext.Distillation().Tokenize(...)</c>.
/// </summary>
public sealed class TextTokenizerEstimator : IEstimator<TextTokenizerTransformer>
{
    /// <summary>Creates the estimator.</summary>
    /// <exception cref="DistillException">The options are invalid (every problem is listed).</exception>
    public TextTokenizerEstimator(TextTokenizerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ColumnNameChecks.ThrowIfAny("tokenizer", options.Validate());
        Options = options;
    }

    /// <summary>The settings.</summary>
    public TextTokenizerOptions Options { get; }

    /// <summary>Checks the input's text columns and reads the vocabulary.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A text column is missing or is not a <c>String</c>.</exception>
    /// <exception cref="DistillException">The vocabulary cannot be read.</exception>
    public TextTokenizerTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        Check(InputColumns.Of(input.Schema), Options);
        return new TextTokenizerTransformer(Options, TextEncoder.Create(Options.Encoder));
    }

    /// <summary>The input's columns plus the three token columns (variable-length vectors of Int64).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A text column is missing or is not a <c>String</c>.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        Check(InputColumns.Of(inputSchema), Options);
        var added = new[] { Options.InputIdsColumnName, Options.AttentionMaskColumnName, Options.TokenTypeIdsColumnName }
            .Select(name => SchemaShapeColumns.Create(name, VectorKind.VariableVector, NumberDataViewType.Int64));
        return SchemaShapes.With(inputSchema, added);
    }

    internal static void Check(InputColumns input, TextTokenizerOptions options)
    {
        input.Text("text", options.TextColumnName, nameof(TextTokenizerOptions.TextColumnName));
        if (options.PairColumnName is not null)
        {
            input.Text("text", options.PairColumnName, nameof(TextTokenizerOptions.PairColumnName));
        }
    }
}
