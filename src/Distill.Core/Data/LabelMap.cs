using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Distill.Data.Internal;

namespace Distill.Data;

/// <summary>
/// Maps label strings, as data files write them, to class ids: the positions of the teacher's (and the student's)
/// logits. One map serves the training and evaluation sets, and is saved beside the student so that the mapping is kept.
/// </summary>
/// <remarks>
/// <para>The ids must follow the teacher's output order. When the data cannot say that order, give it with
/// <see cref="FromLabels"/> (for example Hugging Face's "emotion" models put sadness, joy, love, anger, fear, surprise in
/// that order, which no sorting of the names gives).</para>
/// <para><see cref="Infer"/> is the default:</para>
/// <list type="bullet">
/// <item>if every training label is an integer written plainly (<c>0</c>, <c>1</c>, <c>12</c>; no sign, no leading
/// zeros), label "k" is id k, and the labels must be exactly 0..C−1: a missing integer is an error that names it;</item>
/// <item>otherwise the distinct labels sorted ordinally (by UTF-16 code unit, as Python's <c>sorted</c> and
/// torchvision's <c>ImageFolder</c> sort ASCII names) get ids 0..C−1.</item>
/// </list>
/// <para>Note for image folders whose class folders are numbers from 0 to 10 or more: torchvision's <c>ImageFolder</c>
/// sorts them as text (0, 1, 10, 2, ...) while the integer rule keeps 10 at id 10; give such a teacher's order with
/// <see cref="FromLabels"/>.</para>
/// </remarks>
public sealed class LabelMap
{
    /// <summary>The <c>format</c> written in a saved label map, telling it from other JSON.</summary>
    public const string FormatName = "distill.labels";

    /// <summary>The version of the saved layout this Distill writes and reads.</summary>
    public const int FormatVersion = 1;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    private readonly string[] _labels;
    private readonly Dictionary<string, int> _ids;

    private LabelMap(string[] labels)
    {
        _labels = labels;
        _ids = new Dictionary<string, int>(labels.Length, StringComparer.Ordinal);
        for (var i = 0; i < labels.Length; i++)
        {
            _ids.Add(labels[i], i);
        }
    }

    /// <summary>The labels in id order: <c>Labels[k]</c> is the label of class k (the teacher's k-th logit).</summary>
    public IReadOnlyList<string> Labels => _labels;

    /// <summary>The number of classes.</summary>
    public int Count => _labels.Length;

    /// <summary>The map with exactly these labels in this order (the teacher's output order): the first is id 0.</summary>
    /// <exception cref="DistillException">The list is empty, or has an empty or a repeated label.</exception>
    public static LabelMap FromLabels(IEnumerable<string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var list = labels.Select(l => l?.Trim() ?? "").ToArray();
        var errors = new List<string>();
        if (list.Length == 0)
        {
            errors.Add("the label list is empty; give the teacher's class names in its output order");
        }

        if (list.Any(l => l.Length == 0))
        {
            errors.Add($"the label list has an empty label (at position {Array.FindIndex(list, l => l.Length == 0)})");
        }

        var repeated = list.GroupBy(l => l, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => $"'{g.Key}'").ToList();
        if (repeated.Count > 0)
        {
            errors.Add($"the label list repeats {DataErrors.List(repeated)}; each class must appear once");
        }

        return errors.Count == 0
            ? new LabelMap(list)
            : throw DataErrors.InvalidLabelList(errors);
    }

    /// <summary>
    /// The default map for these training labels (see the remarks on <see cref="LabelMap"/>): integers 0..C−1 keep their
    /// value; other labels are sorted ordinally.
    /// </summary>
    /// <param name="trainingLabels">Every training row's label (repeats are expected); labels are trimmed.</param>
    /// <param name="source">Names the data in errors (the training file's path).</param>
    /// <exception cref="DistillException">No labels; a row without a label; integer labels with a gap.</exception>
    public static LabelMap Infer(IEnumerable<string?> trainingLabels, string source = "training set")
    {
        ArgumentNullException.ThrowIfNull(trainingLabels);
        var distinct = new HashSet<string>(StringComparer.Ordinal);
        long row = 0;
        foreach (var label in trainingLabels)
        {
            var trimmed = label?.Trim();
            if (string.IsNullOrEmpty(trimmed))
            {
                throw DataErrors.UnlabelledRow(source, row);
            }

            distinct.Add(trimmed);
            row++;
        }

        if (distinct.Count == 0)
        {
            throw DataErrors.NoLabels(source);
        }

        if (distinct.All(IsPlainInteger))
        {
            var values = distinct.Select(l => long.Parse(l, CultureInfo.InvariantCulture)).Order().ToList();
            var count = values[^1] + 1;
            if (count != values.Count)
            {
                throw DataErrors.IntegerLabelsWithGaps(source, count, Missing(values), values);
            }

            return new LabelMap(values.Select(v => v.ToString(CultureInfo.InvariantCulture)).ToArray());
        }

        return new LabelMap(distinct.Order(StringComparer.Ordinal).ToArray());
    }

    /// <summary>True when <paramref name="label"/> (as written, trimmed) is one of the labels.</summary>
    public bool Contains(string label) => _ids.ContainsKey(label.Trim());

    /// <summary>The id of <paramref name="label"/>, or false when it is not one of the labels.</summary>
    public bool TryGetId(string label, out int id) => _ids.TryGetValue(label.Trim(), out id);

    /// <summary>The id of <paramref name="label"/>.</summary>
    /// <exception cref="DistillException">The label is unknown; the message lists the known labels.</exception>
    public int GetId(string label) =>
        TryGetId(label, out var id)
            ? id
            : throw DataErrors.UnknownLabel(label, _labels);

    /// <summary>The label of class <paramref name="id"/>.</summary>
    public string GetLabel(int id) =>
        id >= 0 && id < _labels.Length
            ? _labels[id]
            : throw new ArgumentOutOfRangeException(nameof(id), id, $"class ids run 0..{_labels.Length - 1}");

    /// <summary>The map as JSON: <c>{"format": "distill.labels", "format_version": 1, "labels": [...]}</c>.</summary>
    public string ToJson() => JsonSerializer.Serialize(new Saved(FormatName, FormatVersion, _labels), Json);

    /// <summary>Reads a map written by <see cref="ToJson"/>; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="DistillException">Not such JSON, another format or version, or an invalid label list.</exception>
    public static LabelMap FromJson(string json, string source = "label map")
    {
        Saved? saved;
        try
        {
            saved = JsonSerializer.Deserialize<Saved>(json, Json);
        }
        catch (JsonException e)
        {
            throw DataErrors.NotALabelMap(source, FormatName, e);
        }

        if (saved is null || saved.Format != FormatName || saved.Labels is null)
        {
            throw DataErrors.WrongLabelMapFormat(source, saved?.Format, FormatName);
        }

        if (saved.FormatVersion != FormatVersion)
        {
            throw DataErrors.UnsupportedLabelMapVersion(source, saved.FormatVersion, FormatVersion);
        }

        try
        {
            return FromLabels(saved.Labels);
        }
        catch (DistillException e)
        {
            throw DataErrors.InvalidLabelMap(source, e);
        }
    }

    /// <summary>Writes the map to <paramref name="path"/> as JSON (see <see cref="ToJson"/>).</summary>
    public void Save(string path) => File.WriteAllText(path, ToJson() + "\n");

    /// <summary>Reads a map saved by <see cref="Save"/>.</summary>
    /// <exception cref="DistillException">The file is missing or is not a valid label map.</exception>
    public static LabelMap Load(string path) =>
        File.Exists(path)
            ? FromJson(File.ReadAllText(path), path)
            : throw DataErrors.LabelMapNotFound(path);

    /// <summary>The labels in id order, for logs.</summary>
    public override string ToString() => string.Join(", ", _labels.Select((l, i) => $"{i}={l}"));

    private static bool IsPlainInteger(string label) =>
        label.Length is > 0 and <= 9 && label.All(char.IsAsciiDigit) && (label.Length == 1 || label[0] != '0');

    private static IEnumerable<long> Missing(List<long> sorted)
    {
        long expected = 0;
        foreach (var value in sorted)
        {
            for (; expected < value; expected++)
            {
                yield return expected;
            }

            expected = value + 1;
        }
    }

    private sealed record Saved(
        [property: JsonPropertyName("format")] string? Format,
        [property: JsonPropertyName("format_version")] int FormatVersion,
        [property: JsonPropertyName("labels")] IReadOnlyList<string>? Labels);
}
