using System.Globalization;
using Distill.Data.Internal;

namespace Distill.Data;

/// <summary>
/// Where a data set is and how to read it into <see cref="DataRow"/>s: the file (or image folder), its format, which
/// columns hold the text, the label or the float features, and the numeric preprocessing of those features.
/// <see cref="DataSource.Read"/> reads it.
/// </summary>
/// <example>
/// SST-2: <c>new DataSourceOptions { Path = "sst2/train.tsv", TextColumns = ["sentence"], LabelColumn = "label" }</c>.
/// emotion (<c>text;label_name</c>): <c>new DataSourceOptions { Path = "emotion/train.txt", Delimiter = ';',
/// TextColumns = [0], LabelColumn = 1 }</c> (add <c>HasHeader = false</c> for a copy without its header line).
/// MNIST as CSV: <c>TextColumns = [], LabelColumn = 0, FeatureColumns = DataColumn.Range(1, 784),
/// FeatureShape = [1, 28, 28], Normalization = new() { Scale = 1/255f, Mean = [0.1307f], Std = [0.3081f] }</c>.
/// </example>
public sealed record DataSourceOptions
{
    /// <summary>The data file, or for <see cref="DataFormat.ImageFolder"/> the folder that holds one subfolder per class.
    /// Required.</summary>
    public required string Path { get; init; }

    /// <summary>
    /// The layout. Default null: inferred from <see cref="Path"/>: a folder is an image folder; <c>.tsv</c>, <c>.csv</c>,
    /// <c>.jsonl</c> and <c>.ndjson</c> are what they say; any other file with a <see cref="Delimiter"/> is delimited
    /// (CSV rules). Anything else (<c>.txt</c>, say) must be given, because guessing wrong would read text as labels.
    /// </summary>
    public DataFormat? Format { get; init; }

    /// <summary>Whether the first row of a TSV or CSV file names the columns. Default true. JSON Lines, lines and image
    /// folders have no header row and ignore it.</summary>
    public bool HasHeader { get; init; } = true;

    /// <summary>The field delimiter of a TSV or CSV file, one ASCII character. Default null: a tab for TSV, a comma for
    /// CSV.</summary>
    public char? Delimiter { get; init; }

    /// <summary>
    /// Whether TSV and CSV fields may be quoted (RFC 4180: a field that starts with <c>"</c> runs to the closing quote and
    /// may hold delimiters, line breaks and doubled quotes). Default true. Set false for files whose texts start with
    /// quotes that were never meant as quoting (some GLUE TSVs): every character is then text.
    /// </summary>
    public bool QuotedFields { get; init; } = true;

    /// <summary>The text columns: one, or two for sentence pairs (in that order). Default none (a float data set).</summary>
    public IReadOnlyList<DataColumn> TextColumns { get; init; } = [];

    /// <summary>The label column, read as a string and mapped to an id by a <see cref="LabelMap"/>. Default null: the rows
    /// are unlabelled (in-domain text for a transfer set). Image folders take the label from the class subfolder.</summary>
    public DataColumn? LabelColumn { get; init; }

    /// <summary>The float feature columns, in the order their values are flattened (for example
    /// <c>DataColumn.Range(1, 784)</c>). In JSON Lines a feature field may also hold an array of numbers (nested arrays
    /// are flattened). Default none (a text data set).</summary>
    public IReadOnlyList<DataColumn> FeatureColumns { get; init; } = [];

    /// <summary>The shape of one row's features, channels first, such as [1, 28, 28]. Default null: [number of feature
    /// values]. Its first dimension is the channel count that <see cref="Normalization"/> works per.</summary>
    public IReadOnlyList<int>? FeatureShape { get; init; }

    /// <summary>The numeric preprocessing of the features (the teacher's; see <see cref="FeatureNormalization"/>),
    /// applied by the reader so that rows hold what the teacher expects. Default <see cref="FeatureNormalization.None"/>:
    /// CSV values as written, images in [0, 1] as torchvision's <c>ToTensor</c> gives them.</summary>
    public FeatureNormalization Normalization { get; init; } = FeatureNormalization.None;

    /// <summary>The height images are resized to, in pixels: the teacher's input height. Required for image folders.</summary>
    public int? ImageHeight { get; init; }

    /// <summary>The width images are resized to, in pixels: the teacher's input width. Required for image folders.</summary>
    public int? ImageWidth { get; init; }

    /// <summary>Channels per image: 3 (RGB, the default; an alpha channel is dropped) or 1 (grayscale by PIL's
    /// <c>convert("L")</c> weights 0.299, 0.587, 0.114, as torchvision's <c>Grayscale</c>).</summary>
    public int ImageChannels { get; init; } = 3;

    /// <summary>Whether leading and trailing whitespace is removed from texts. Default true (SST-2 texts end with a
    /// space; a BERT tokenizer ignores it anyway). Labels are always trimmed.</summary>
    public bool TrimText { get; init; } = true;

    /// <summary>The format to read: <see cref="Format"/>, or the one inferred from <see cref="Path"/> (see there); null when
    /// it cannot be inferred.</summary>
    public DataFormat? ResolvedFormat
    {
        get
        {
            if (Format is { } format)
            {
                return format;
            }

            if (string.IsNullOrEmpty(Path))
            {
                return null;
            }

            if (Directory.Exists(Path))
            {
                return DataFormat.ImageFolder;
            }

            return System.IO.Path.GetExtension(Path).ToLowerInvariant() switch
            {
                ".tsv" => DataFormat.Tsv,
                ".csv" => DataFormat.Csv,
                ".jsonl" or ".ndjson" => DataFormat.JsonLines,
                _ when Delimiter is not null => DataFormat.Csv,
                _ => null,
            };
        }
    }

    /// <summary>The shape of one row's features: <see cref="FeatureShape"/>, [channels, height, width] for images, else
    /// [number of feature columns]; empty for text data, and for JSON Lines without a feature shape, whose array fields
    /// say how many values a row has only when it is read (the reader then takes [number of values]).</summary>
    public IReadOnlyList<int> ResolvedFeatureShape =>
        ResolvedFormat switch
        {
            DataFormat.ImageFolder => [ImageChannels, ImageHeight ?? 0, ImageWidth ?? 0],
            _ when FeatureShape is not null => FeatureShape,
            DataFormat.JsonLines => [],
            _ => FeatureColumns.Count == 0 ? [] : [FeatureColumns.Count],
        };

    /// <summary>The field delimiter in use for TSV and CSV.</summary>
    internal char ResolvedDelimiter => Delimiter ?? (ResolvedFormat == DataFormat.Tsv ? '\t' : ',');

    /// <summary>Every problem with these options, each naming the file, the setting (as a recipe writes it), its value and
    /// the fix; empty when valid. Checks that the file or folder exists, but does not read it.</summary>
    public IEnumerable<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Path))
        {
            return ["data source: path is empty; give the data file (or image folder)"];
        }

        var format = ResolvedFormat;
        if (format is null)
        {
            errors.Add($"cannot tell the format from the extension '{System.IO.Path.GetExtension(Path)}'; set format to " +
                       $"{DataFormatNames.List(DataFormatNames.All)} (or set a delimiter for a delimited file)");
            return errors.Select(e => $"{Path}: {e}");
        }

        if (format == DataFormat.ImageFolder)
        {
            if (!Directory.Exists(Path))
            {
                errors.Add("image folder not found; give the folder that holds one subfolder per class");
            }
        }
        else if (!File.Exists(Path))
        {
            errors.Add(Directory.Exists(Path)
                ? $"is a folder, but format is {DataFormatNames.Of(format.Value)}; give a file, or use format image_folder"
                : "file not found");
        }

        switch (format)
        {
            case DataFormat.Tsv or DataFormat.Csv:
                ValidateDelimited(errors);
                ValidateColumns(errors, byNameNeedsHeader: !HasHeader, indexAllowed: true);
                break;
            case DataFormat.JsonLines:
                ValidateColumns(errors, byNameNeedsHeader: false, indexAllowed: false);
                break;
            case DataFormat.Lines:
                if (TextColumns.Count > 0 || LabelColumn is not null || FeatureColumns.Count > 0)
                {
                    errors.Add("format lines holds one unlabelled text per line; remove text_columns, label_column and " +
                               "feature_columns, or use tsv or csv for a file with columns");
                }

                break;
            case DataFormat.ImageFolder:
                ValidateImages(errors);
                break;
        }

        if (Delimiter is not null && format is not (DataFormat.Tsv or DataFormat.Csv))
        {
            errors.Add($"delimiter is set but format is {DataFormatNames.Of(format.Value)}; a delimiter applies to tsv and csv only");
        }

        ValidateFeatures(errors, format.Value);
        return errors.Select(e => $"{Path}: {e}");
    }

    /// <summary>Throws a <see cref="DistillException"/> (invalid input) listing every problem, if there is any.</summary>
    public void ThrowIfInvalid()
    {
        var errors = Validate().ToList();
        if (errors.Count > 0)
        {
            throw DataErrors.InvalidDataSource(errors);
        }
    }

    private void ValidateDelimited(List<string> errors)
    {
        var d = ResolvedDelimiter;
        if (d > 127 || d is '\r' or '\n' or '"' || (char.IsControl(d) && d != '\t'))
        {
            errors.Add($"delimiter must be one printable ASCII character or a tab, not a quote or line break (was " +
                       $"U+{(int)d:X4})");
        }
    }

    private void ValidateColumns(List<string> errors, bool byNameNeedsHeader, bool indexAllowed)
    {
        if (TextColumns.Count > 2)
        {
            errors.Add($"text_columns must name one column, or two for sentence pairs (was {TextColumns.Count}: " +
                       $"{string.Join(", ", TextColumns)})");
        }

        if (TextColumns.Count == 0 && FeatureColumns.Count == 0)
        {
            errors.Add("no text_columns and no feature_columns; name the text column (one, or two for pairs) or the " +
                       "float feature columns");
        }

        if (TextColumns.Count > 0 && FeatureColumns.Count > 0)
        {
            errors.Add("both text_columns and feature_columns are set; a data source holds texts or float features, " +
                       "not both");
        }

        var all = TextColumns.Select(c => ("text_columns", c))
            .Concat(LabelColumn is { } label ? [("label_column", label)] : [])
            .Concat(FeatureColumns.Select(c => ("feature_columns", c)));
        foreach (var (key, column) in all)
        {
            if (column.IsNamed && byNameNeedsHeader)
            {
                errors.Add($"{key} names column {column}, but has_header is false so columns have no names; give its " +
                           "0-based position, or set has_header: true");
            }
            else if (!column.IsNamed && !indexAllowed)
            {
                errors.Add($"{key} gives column {column} by position, but JSON Lines fields have no positions; give the " +
                           "field name");
            }
            else if (column.IsNamed && string.IsNullOrWhiteSpace(column.Name))
            {
                errors.Add($"{key} has an empty column name; give the header name");
            }
            else if (!column.IsNamed && column.Index < 0)
            {
                errors.Add($"{key} has column {column}; positions start at 0");
            }
        }
    }

    private void ValidateImages(List<string> errors)
    {
        if (ImageHeight is not > 0 || ImageWidth is not > 0)
        {
            errors.Add($"image_height and image_width must be > 0 for an image folder (were {Show(ImageHeight)} and " +
                       $"{Show(ImageWidth)}); give the teacher's input size, such as 224 and 224");
        }

        if (ImageChannels is not (1 or 3))
        {
            errors.Add($"image_channels must be 1 (grayscale) or 3 (RGB) (was {ImageChannels})");
        }

        if (TextColumns.Count > 0 || LabelColumn is not null || FeatureColumns.Count > 0 || FeatureShape is not null)
        {
            errors.Add("an image folder has no columns: the label is the class subfolder and the shape is [image_channels, " +
                       "image_height, image_width]; remove text_columns, label_column, feature_columns and feature_shape");
        }

        static string Show(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "unset";
    }

    private void ValidateFeatures(List<string> errors, DataFormat format)
    {
        if (FeatureShape is { } shape && format != DataFormat.ImageFolder)
        {
            if (shape.Count == 0 || shape.Any(d => d <= 0))
            {
                errors.Add($"feature_shape must be one or more sizes > 0 (was [{string.Join(", ", shape)}])");
                return;
            }

            var size = shape.Aggregate(1L, (a, d) => a * d);
            var fixedCount = format == DataFormat.JsonLines ? (int?)null : FeatureColumns.Count;
            if (fixedCount is { } count && size != count)
            {
                errors.Add($"feature_shape [{string.Join(", ", shape)}] holds {size} values but feature_columns lists " +
                           $"{count}; the two must agree");
            }
        }

        var resolved = ResolvedFeatureShape;
        if (resolved.Count > 0 && resolved[0] > 0)
        {
            errors.AddRange(Normalization.Validate(resolved[0]));
        }
        else if (!Normalization.Equals(FeatureNormalization.None) && FeatureColumns.Count == 0)
        {
            errors.Add("normalization is set but there are no float features; remove it, or set feature_columns");
        }
    }
}
