using System.Globalization;
using Distill.Data.Internal;

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

    /// <summary>
    /// Columns as a recipe's <c>data.features</c> writes them: a single column (<see cref="Parse"/>), or an inclusive
    /// range <c>first..last</c> of 0-based positions (<c>1..784</c>) or of names that differ only in a trailing number
    /// (<c>p0..p783</c>, <c>pixel1..pixel784</c>).
    /// </summary>
    /// <exception cref="DistillException">A range whose ends are neither both positions nor both names with the same
    /// prefix, or whose last end comes before its first.</exception>
    public static IReadOnlyList<DataColumn> ParseRange(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var dots = text.IndexOf("..", StringComparison.Ordinal);
        if (dots < 0)
        {
            return [Parse(text)];
        }

        var (first, last) = (text[..dots].Trim(), text[(dots + 2)..].Trim());
        if (IsPosition(first, out var from) && IsPosition(last, out var to))
        {
            return to >= from ? Range(from, to - from + 1) : throw DataErrors.BackwardRange(text);
        }

        var (prefix, start) = SplitNumber(first);
        var (lastPrefix, end) = SplitNumber(last);
        if (prefix.Length == 0 || start is null || end is null || prefix != lastPrefix)
        {
            throw DataErrors.BadRange(text);
        }

        return end >= start
            ? Enumerable.Range(start.Value, end.Value - start.Value + 1).Select(i => Named(prefix + i.ToString(CultureInfo.InvariantCulture))).ToList()
            : throw DataErrors.BackwardRange(text);
    }

    private static bool IsPosition(string text, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    // "pixel12" -> ("pixel", 12); a name without a trailing number has no number.
    private static (string Prefix, int? Number) SplitNumber(string name)
    {
        var digits = name.Length;
        while (digits > 0 && char.IsAsciiDigit(name[digits - 1]))
        {
            digits--;
        }

        return digits == name.Length || !IsPosition(name[digits..], out var number) ? (name, null) : (name[..digits], number);
    }

    /// <summary>The column with this header name.</summary>
    public static implicit operator DataColumn(string name) => Named(name);

    /// <summary>The column at this 0-based position.</summary>
    public static implicit operator DataColumn(int index) => At(index);

    /// <summary><c>'name'</c> in quotes, or the bare position, as error messages name a column.</summary>
    public override string ToString() => IsNamed ? $"'{Name}'" : Index.ToString(CultureInfo.InvariantCulture);
}
