using System.Globalization;

namespace Distill.Losses.Internal;

/// <summary>Turns the errors of an options record's Validate() into one exception that lists them all.</summary>
internal static class LossOptionChecks
{
    public static void ThrowIfInvalid(string key, IEnumerable<string> errors)
    {
        var all = errors.ToList();
        if (all.Count > 0)
        {
            throw new ArgumentException($"Loss '{key}': " + string.Join("; ", all));
        }
    }

    /// <summary>"name must be &gt; 0 (was v)" when <paramref name="value"/> is not a positive finite number, else null.</summary>
    public static string? Positive(string name, double value) =>
        value > 0 && !double.IsInfinity(value) ? null : $"{name} must be > 0 (was {value.ToString(CultureInfo.InvariantCulture)})";

    /// <summary>"name must be &gt;= 0 (was v)" when <paramref name="value"/> is not a finite number ≥ 0, else null.</summary>
    public static string? NonNegative(string name, double value) =>
        value >= 0 && !double.IsInfinity(value) ? null : $"{name} must be >= 0 (was {value.ToString(CultureInfo.InvariantCulture)})";

    /// <summary>Formats a setting for formulas: invariant culture, no trailing zeros.</summary>
    public static string Format(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);
}
