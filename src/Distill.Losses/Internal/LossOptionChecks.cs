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

    /// <summary>Formats a setting for formulas: invariant culture, no trailing zeros.</summary>
    public static string Format(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);
}
