using System.Globalization;

namespace Distill.Data.Internal;

/// <summary>
/// What every reader does with the values it found in a row: trims texts, checks labels against the label map, parses
/// floats and checks their count against the feature shape, normalizes features. Keeps the error wording in one place.
/// </summary>
internal sealed class RowAssembler
{
    private readonly DataSourceOptions _options;
    private readonly LabelMap? _labels;
    private IReadOnlyList<int> _shape;
    private long _size;

    public RowAssembler(DataSourceOptions options, LabelMap? labels)
    {
        _options = options;
        _labels = labels;
        _shape = options.ResolvedFeatureShape;
        _size = _shape.Aggregate(1L, (a, d) => a * d);
    }

    private string Path => _options.Path;

    public string Text(string raw) => _options.TrimText ? raw.Trim() : raw;

    /// <summary>The trimmed label; an error for an empty one, or for one the label map does not know.</summary>
    public string Label(string raw, string column, long line)
    {
        var label = raw.Trim();
        if (label.Length == 0)
        {
            throw DataErrors.AtLine(Path, line,
                $"the label (column {column}) is empty; every row of a labelled data set needs one (or remove label_column " +
                "to read the rows unlabelled)");
        }

        CheckKnown(label, line, $"column {column}");
        return label;
    }

    /// <summary>An error for a label the label map does not know: it has no teacher output to map to.</summary>
    public void CheckKnown(string label, long? line, string where)
    {
        if (_labels is null || _labels.Contains(label))
        {
            return;
        }

        var message = $"unknown label '{label}' ({where}); the known labels are: {DataErrors.List(_labels.Labels)}; fix " +
                      "the row, or give the full label list in the teacher's output order";
        throw line is { } at ? DataErrors.AtLine(Path, at, message) : DataErrors.InFile(Path, message);
    }

    public float ParseFloat(string raw, string column, long line)
    {
        if (float.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && float.IsFinite(value))
        {
            return value;
        }

        throw DataErrors.AtLine(Path, line,
            $"column {column} holds '{raw}', which is not a finite number; feature columns must hold numbers such as 0.5 " +
            "or 255 (with a '.' for decimals)");
    }

    /// <summary>Checks the count against the feature shape and applies the normalization.</summary>
    public float[] Features(float[] values, long line)
    {
        if (_shape.Count == 0)
        {
            // JSON Lines without a feature shape: the first row fixes it, and the normalization is checked against it.
            _shape = [values.Length];
            _size = values.Length;
            var errors = _options.Normalization.Validate(values.Length).ToList();
            if (errors.Count > 0)
            {
                throw DataErrors.AtLine(Path, line,
                    $"the row has {values.Length} feature values, so {string.Join("; ", errors)}; or set feature_shape");
            }
        }

        if (values.Length != _size)
        {
            throw DataErrors.AtLine(Path, line,
                $"the row has {values.Length} feature values but feature_shape [{string.Join(", ", _shape)}] needs {_size}; " +
                "fix the row or the shape");
        }

        _options.Normalization.ApplyInPlace(values, _shape[0]);
        return values;
    }
}
