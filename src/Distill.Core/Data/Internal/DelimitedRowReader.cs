using CsvHelper;

namespace Distill.Data.Internal;

/// <summary>Reads TSV and CSV files with CsvHelper, one record at a time, so a large file is never held in memory.</summary>
internal static class DelimitedRowReader
{
    public static IEnumerable<DataRow> Read(DataSourceOptions options, LabelMap? labels)
    {
        var path = options.Path;
        CsvMalformedRecord? malformed = null;
        var csvOptions = CsvReaderOptions.Default with
        {
            Separator = options.ResolvedDelimiter,
            HasHeader = options.HasHeader,
            Mode = options.QuotedFields ? CsvMode.Rfc4180 : CsvMode.NoEscape,
            TrackLineNumbers = true,
            // The delimiter is always given: a "sep=" first line must stay a data line, or row ids would shift.
            DetectSeparatorHint = false,
            SkipEmptyLines = true,
            MalformedData = CsvMalformedDataHandling.Recover,
            FieldCountMismatch = CsvFieldCountHandling.Allow,
            MissingField = CsvMissingFieldHandling.Throw,
            OnMalformedRecord = record => malformed = record,
        };

        using var reader = CsvReader.FromFile(path, csvOptions);
        var headers = Guarded(path, () => reader.Headers.ToArray());
        ThrowIfMalformed(path, ref malformed);
        if (options.HasHeader && headers.Length == 0)
        {
            throw DataErrors.InFile(path, "the file is empty; expected a header row, then data rows");
        }

        var assembler = new RowAssembler(options, labels);
        var delimiter = options.ResolvedDelimiter == '\t' ? "a tab" : $"'{options.ResolvedDelimiter}'";
        Columns? columns = options.HasHeader ? Columns.Resolve(options, headers, path, line: null, fieldCount: headers.Length) : null;
        var expected = options.HasHeader ? headers.Length : -1;
        long id = 0;
        while (Guarded(path, reader.Read))
        {
            var line = reader.LineNumber;
            ThrowIfMalformed(path, ref malformed);
            if (expected < 0)
            {
                expected = reader.FieldCount;
                columns = Columns.Resolve(options, [], path, line, expected);
            }

            if (reader.FieldCount != expected)
            {
                throw DataErrors.AtLine(path, line,
                    $"expected {expected} fields, as the {(options.HasHeader ? "header" : "first row")} has, but found " +
                    $"{reader.FieldCount}; a field that contains the delimiter ({delimiter}) must be quoted");
            }

            yield return columns!.Row(reader, id++, line, assembler);
        }

        if (id == 0)
        {
            throw DataErrors.InFile(path, options.HasHeader
                ? $"the file has a header ({string.Join(", ", headers)}) but no data rows"
                : "the file is empty; expected data rows");
        }
    }

    private static T Guarded<T>(string path, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (CsvFormatException e)
        {
            throw DataErrors.AtLine(path, e.LineNumber, $"cannot read the row: {e.Message}");
        }
    }

    private static void ThrowIfMalformed(string path, ref CsvMalformedRecord? malformed)
    {
        var found = malformed;
        malformed = null;
        // A stray quote inside an unquoted field (12" vinyl) is read as text, which is what the writer meant.
        if (found is not { } record || record.Reason == CsvMalformedReason.StrayQuote)
        {
            return;
        }

        var what = record.Reason switch
        {
            CsvMalformedReason.TextAfterClosingQuote => "text follows the closing quote of a quoted field",
            CsvMalformedReason.UnterminatedQuote => "a quoted field is never closed",
            _ => $"malformed quoting ({record.Reason})",
        };
        throw DataErrors.AtLine(path, record.LineNumber,
            $"{what}; inside a quoted field write a quote as two (\"\"), or set quoted_fields: false if quotes are just text");
    }

    /// <summary>The resolved positions of the text, label and feature columns, and their names for messages.</summary>
    private sealed class Columns
    {
        private readonly (int Index, string Name)[] _texts;
        private readonly (int Index, string Name)? _label;
        private readonly (int Index, string Name)[] _features;

        private Columns((int, string)[] texts, (int, string)? label, (int, string)[] features)
        {
            _texts = texts;
            _label = label;
            _features = features;
        }

        public static Columns Resolve(DataSourceOptions options, string[] headers, string path, long? line, int fieldCount)
        {
            (int, string) One(DataColumn column, string key)
            {
                if (column.IsNamed)
                {
                    var index = Array.FindIndex(headers, h => string.Equals(h, column.Name, StringComparison.Ordinal));
                    if (index < 0)
                    {
                        index = Array.FindIndex(headers,
                            h => string.Equals(h.Trim(), column.Name!.Trim(), StringComparison.OrdinalIgnoreCase));
                    }

                    return index >= 0
                        ? (index, column.ToString())
                        : throw DataErrors.InFile(path,
                            $"no column {column} for the {(key == "label_column" ? "labels" : "text")} in the header; the columns are: {DataErrors.List(headers)}; name one of them, or give its 0-based index");
                }

                if (column.Index < fieldCount)
                {
                    return (column.Index, headers.Length > 0 ? $"{column.Index} ('{headers[column.Index]}')" : column.ToString());
                }

                var have = headers.Length > 0
                    ? $"the header has {fieldCount} columns: {DataErrors.List(headers.Select((h, i) => $"{i} '{h}'"))}"
                    : $"the rows have {fieldCount} field{(fieldCount == 1 ? "" : "s")} (columns 0..{fieldCount - 1})";
                var message = $"column {column} ({key}) does not exist; {have}; positions start at 0";
                throw line is { } at ? DataErrors.AtLine(path, at, message) : DataErrors.InFile(path, message);
            }

            return new Columns(
                options.TextColumns.Select(c => One(c, "text_columns")).ToArray(),
                options.LabelColumn is { } label ? One(label, "label_column") : null,
                options.FeatureColumns.Select(c => One(c, "feature_columns")).ToArray());
        }

        public DataRow Row(CsvReader reader, long id, long line, RowAssembler assembler)
        {
            var texts = new string[_texts.Length];
            for (var i = 0; i < texts.Length; i++)
            {
                texts[i] = assembler.Text(reader.GetString(_texts[i].Index));
            }

            var label = _label is { } l ? assembler.Label(reader.GetString(l.Index), l.Name, line) : null;
            float[]? features = null;
            if (_features.Length > 0)
            {
                features = new float[_features.Length];
                for (var i = 0; i < features.Length; i++)
                {
                    features[i] = assembler.ParseFloat(reader.GetString(_features[i].Index), _features[i].Name, line);
                }

                features = assembler.Features(features, line);
            }

            return new DataRow(id, texts, label, features);
        }
    }
}
