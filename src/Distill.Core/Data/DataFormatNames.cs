using System.Reflection;
using System.Text.Json.Serialization;

namespace Distill.Data;

/// <summary>
/// The names recipes, the command line and JSON write for each <see cref="DataFormat"/> (<c>tsv</c>, <c>csv</c>,
/// <c>jsonl</c>, <c>lines</c>, <c>image_folder</c>). They are read from the enum's own
/// <see cref="JsonStringEnumMemberNameAttribute"/>s, so each name is spelled once.
/// </summary>
public static class DataFormatNames
{
    private static readonly IReadOnlyList<(DataFormat Format, string Name)> Table = Enum.GetValues<DataFormat>()
        .Select(f => (f, typeof(DataFormat).GetField(f.ToString())!.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name
            ?? throw new InvalidOperationException($"DataFormat.{f} has no JsonStringEnumMemberName")))
        .ToList();

    /// <summary>Every format, in declaration order.</summary>
    public static IReadOnlyList<DataFormat> All { get; } = Table.Select(t => t.Format).ToList();

    /// <summary>The formats whose rows are text (every format but image folders).</summary>
    public static IReadOnlyList<DataFormat> Text { get; } = Table.Select(t => t.Format).Where(f => f != DataFormat.ImageFolder).ToList();

    /// <summary>The name written for <paramref name="format"/>.</summary>
    public static string Of(DataFormat format) =>
        Table.FirstOrDefault(t => t.Format == format).Name ?? throw new ArgumentOutOfRangeException(nameof(format), format, "not a DataFormat");

    /// <summary>The format named <paramref name="name"/> (exactly as written, lower case).</summary>
    public static bool TryParse(string name, out DataFormat format)
    {
        foreach (var (candidate, written) in Table)
        {
            if (written == name)
            {
                format = candidate;
                return true;
            }
        }

        format = default;
        return false;
    }

    /// <summary>The names of <paramref name="formats"/> as an error message lists them: "tsv, csv, jsonl or lines".</summary>
    public static string List(IReadOnlyList<DataFormat> formats) =>
        formats.Count == 1 ? Of(formats[0]) : $"{string.Join(", ", formats.SkipLast(1).Select(Of))} or {Of(formats[^1])}";
}
