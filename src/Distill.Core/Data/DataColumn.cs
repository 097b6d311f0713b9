using System.Globalization;

namespace Distill.Data;

/// <summary>
/// A column of a data file, by header name or by 0-based position. Strings and integers convert to it, so options can
/// say <c>TextColumns = ["sentence"]</c> or <c>LabelColumn = 1</c>.
/// </summary>
public readonly record struct DataColumn
{
    private DataColumn(string? name, int index)
    {
        Name = name;
        Index = index;
    }

    /// <summary>The header name (matched exactly first, then ignoring case and surrounding spaces), or null for a
    /// column given by position. In JSON Lines, the field name.</summary>
    public string? Name { get; }

    /// <summary>The 0-based position of the column; -1 for a column given by name.</summary>
    public int Index { get; }

    /// <summary>True when the column is given by name.</summary>
    public bool IsNamed => Name is not null;

    /// <summary>The column with this header name.</summary>
    public static DataColumn Named(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return new DataColumn(name, -1);
    }

    /// <summary>The column at this 0-based position.</summary>
    public static DataColumn At(int index) => new(null, index);

    /// <summary>
    /// A column as users write it in recipes and on the command line: digits are a 0-based position, anything else a
    /// header name.
    /// </summary>
    public static DataColumn Parse(string text) =>
        int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index)
            ? At(index)
            : Named(text);

    /// <summary><paramref name="count"/> consecutive columns from 0-based position <paramref name="first"/>, such as the 784
    /// pixel columns after a label column: <c>DataColumn.Range(1, 784)</c>.</summary>
    public static IReadOnlyList<DataColumn> Range(int first, int count) =>
        Enumerable.Range(first, count).Select(At).ToList();

    /// <summary>The column with this header name.</summary>
    public static implicit operator DataColumn(string name) => Named(name);

    /// <summary>The column at this 0-based position.</summary>
    public static implicit operator DataColumn(int index) => At(index);

    /// <summary><c>'name'</c> in quotes, or the bare position, as error messages name a column.</summary>
    public override string ToString() => IsNamed ? $"'{Name}'" : Index.ToString(CultureInfo.InvariantCulture);
}
