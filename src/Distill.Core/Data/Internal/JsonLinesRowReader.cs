using System.Globalization;
using System.Text.Json;

namespace Distill.Data.Internal;

/// <summary>Reads JSON Lines: one JSON object per line, fields by name; blank lines are skipped and not counted.</summary>
internal static class JsonLinesRowReader
{
    public static IEnumerable<DataRow> Read(DataSourceOptions options, LabelMap? labels)
    {
        var path = options.Path;
        var assembler = new RowAssembler(options, labels);
        long id = 0;
        long line = 0;
        foreach (var text in File.ReadLines(path))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            using var document = Parse(path, line, text);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw DataErrors.AtLine(path, line,
                    $"the line holds a JSON {Kind(root)}, not an object; each line must be one object such as " +
                    "{\"text\": \"...\", \"label\": \"...\"}");
            }

            var texts = new string[options.TextColumns.Count];
            for (var i = 0; i < texts.Length; i++)
            {
                var field = Field(path, line, root, options.TextColumns[i], "text_columns");
                texts[i] = field.ValueKind == JsonValueKind.String
                    ? assembler.Text(field.GetString()!)
                    : throw DataErrors.AtLine(path, line,
                        $"field {options.TextColumns[i]} holds a JSON {Kind(field)}; text fields must hold strings");
            }

            string? label = null;
            if (options.LabelColumn is { } labelColumn)
            {
                var field = Field(path, line, root, labelColumn, "label_column");
                var raw = field.ValueKind switch
                {
                    JsonValueKind.String => field.GetString()!,
                    // A number keeps its written form, so 1 is the label "1", as in a TSV file.
                    JsonValueKind.Number => field.GetRawText(),
                    JsonValueKind.True => "true",
                    JsonValueKind.False => "false",
                    _ => throw DataErrors.AtLine(path, line,
                        $"field {labelColumn} (label_column) holds a JSON {Kind(field)}; a label must be a string or a number"),
                };
                label = assembler.Label(raw, labelColumn.ToString(), line);
            }

            float[]? features = null;
            if (options.FeatureColumns.Count > 0)
            {
                var values = new List<float>();
                foreach (var column in options.FeatureColumns)
                {
                    Flatten(path, line, column, Field(path, line, root, column, "feature_columns"), values);
                }

                features = assembler.Features(values.ToArray(), line);
            }

            yield return new DataRow(id++, texts, label, features);
        }

        if (id == 0)
        {
            throw DataErrors.InFile(path, "the file has no rows (it is empty or holds only blank lines); expected one " +
                                          "JSON object per line");
        }
    }

    private static JsonDocument Parse(string path, long line, string text)
    {
        try
        {
            return JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw DataErrors.AtLine(path, line,
                $"not valid JSON ({e.Message.Split('.')[0]}); each line must hold one complete JSON object");
        }
    }

    private static JsonElement Field(string path, long line, JsonElement row, DataColumn column, string key)
    {
        if (row.TryGetProperty(column.Name!, out var value))
        {
            return value;
        }

        var names = row.EnumerateObject().Select(p => p.Name).ToList();
        throw DataErrors.AtLine(path, line,
            $"no field {column} ({key}); the fields are: {(names.Count == 0 ? "(none)" : DataErrors.List(names))}");
    }

    private static void Flatten(string path, long line, DataColumn column, JsonElement value, List<float> into)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Number when value.TryGetSingle(out var number) && float.IsFinite(number):
                into.Add(number);
                break;
            case JsonValueKind.Array:
                foreach (var item in value.EnumerateArray())
                {
                    Flatten(path, line, column, item, into);
                }

                break;
            default:
                var shown = value.ValueKind == JsonValueKind.Number ? value.GetRawText() : $"a JSON {Kind(value)}";
                throw DataErrors.AtLine(path, line,
                    $"field {column} (feature_columns) holds {shown}, which is not a finite float; feature fields hold " +
                    "numbers or arrays of numbers");
        }
    }

    private static string Kind(JsonElement element) =>
        element.ValueKind.ToString().ToLower(CultureInfo.InvariantCulture);
}
