using System.Globalization;

namespace Distill.Data.Internal;

/// <summary>
/// The one wording of data errors: "path:line: what is wrong; how to fix it", as editors and compilers print a
/// position, so that a user can jump to it. Lines are 1-based and count every line of the file.
/// </summary>
internal static class DataErrors
{
    /// <summary>An error about the file as a whole.</summary>
    public static DistillException InFile(string path, string message) =>
        new(DistillErrorKind.InvalidInput, $"{path}: {message}");

    /// <summary>An error at a line of the file.</summary>
    public static DistillException AtLine(string path, long line, string message) =>
        new(DistillErrorKind.InvalidInput, $"{path}:{line.ToString(CultureInfo.InvariantCulture)}: {message}");

    /// <summary>"a, b, c", or the first <paramref name="max"/> then "and N more" so a long list stays one readable line.</summary>
    public static string List(IEnumerable<string> items, int max = 20)
    {
        var all = items.ToList();
        return all.Count <= max
            ? string.Join(", ", all)
            : string.Join(", ", all.Take(max)) + $" and {all.Count - max} more";
    }

    /// <summary>A float the way the user would write it.</summary>
    public static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
