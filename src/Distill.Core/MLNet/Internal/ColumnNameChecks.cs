namespace Distill.MLNet.Internal;

/// <summary>Checks of the column names in an options record, as messages that name the setting and its value.</summary>
internal static class ColumnNameChecks
{
    public static IEnumerable<string> Required(params (string Setting, string? Name)[] names) =>
        names.Where(n => string.IsNullOrWhiteSpace(n.Name)).Select(n => $"{n.Setting} must name a column (was '{n.Name}')");

    public static IEnumerable<string> Distinct(params (string Setting, string? Name)[] names) =>
        names.Where(n => !string.IsNullOrWhiteSpace(n.Name)).GroupBy(n => n.Name, StringComparer.Ordinal).Where(g => g.Count() > 1)
            .Select(g => $"{string.Join(" and ", g.Select(n => n.Setting))} all name the column '{g.Key}'; give each output its own column");

    /// <summary>Throws a <see cref="DistillException"/> (invalid input) listing every error, if there is any.</summary>
    public static void ThrowIfAny(string what, IEnumerable<string> errors)
    {
        var list = errors.ToList();
        if (list.Count > 0)
        {
            throw MLNetErrors.InvalidSettings(what, list);
        }
    }
}
