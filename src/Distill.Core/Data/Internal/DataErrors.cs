using System.Globalization;
using System.Text.Json;

namespace Distill.Data.Internal;

/// <summary>
/// The errors of reading data, label maps and data settings, each one line. A position in a file is written
/// "path:line: what is wrong; how to fix it", as editors and compilers print one, so that a user can jump to it; lines
/// are 1-based and count every line of the file. All of them are <see cref="DistillErrorKind.InvalidInput"/> (exit code
/// 2: nothing will change until the user fixes the file or the setting). Downloads have their own,
/// <see cref="DownloadErrors"/>.
/// </summary>
internal static class DataErrors
{
    /// <summary>An error about the file as a whole.</summary>
    public static DistillException InFile(string path, string message) =>
        new(DistillErrorKind.InvalidInput, $"{path}: {message}");

    /// <summary>An error at a line of the file.</summary>
    public static DistillException AtLine(string path, long line, string message) =>
        new(DistillErrorKind.InvalidInput, $"{path}:{line.ToString(CultureInfo.InvariantCulture)}: {message}");

    public static DistillException InvalidDataSource(IEnumerable<string> problems) =>
        new(DistillErrorKind.InvalidInput, string.Join("; ", problems));

    public static DistillException InvalidFeatureNormalization(IEnumerable<string> problems) =>
        new(DistillErrorKind.InvalidInput, "Invalid feature normalization: " + string.Join("; ", problems));

    public static DistillException InvalidAugmentation(IEnumerable<string> problems) =>
        new(DistillErrorKind.InvalidInput, "Invalid augmentation settings: " + string.Join("; ", problems));

    public static DistillException AugmentationNeedsText(long rowId) =>
        new(DistillErrorKind.InvalidInput,
            $"row {rowId} has no text; transfer-set augmentation applies to text rows, not float features");

    public static DistillException InvalidLabelList(IEnumerable<string> problems) =>
        new(DistillErrorKind.InvalidInput, "Invalid label list: " + string.Join("; ", problems));

    public static DistillException UnlabelledRow(string source, long row) =>
        new(DistillErrorKind.InvalidInput,
            $"{source}: row {row} has no label; the label map is inferred from labelled training rows (set " +
            "label_column, or give the label list explicitly)");

    public static DistillException NoLabels(string source) =>
        new(DistillErrorKind.InvalidInput,
            $"{source}: no labels to infer the label map from; read a labelled training set, or give the label list");

    /// <summary>Integer labels that are not 0..<paramref name="count"/>−1: names the first ten of
    /// <paramref name="missing"/> and every label <paramref name="seen"/>.</summary>
    public static DistillException IntegerLabelsWithGaps(string source, long count, IEnumerable<long> missing, IEnumerable<long> seen)
    {
        var firstMissing = missing.Take(10).Select(v => v.ToString(CultureInfo.InvariantCulture)).ToList();
        return new(DistillErrorKind.InvalidInput,
            $"{source}: the labels are integers but not 0..{count - 1} without gaps: missing " +
            $"{string.Join(", ", firstMissing)}{(firstMissing.Count == 10 ? " and more" : "")} " +
            $"(saw {List(seen.Select(v => v.ToString(CultureInfo.InvariantCulture)))}); integer " +
            "label k is class k, so give the label list explicitly in the teacher's output order");
    }

    public static DistillException UnknownLabel(string label, IEnumerable<string> known) =>
        new(DistillErrorKind.InvalidInput, $"unknown label '{label}'; the known labels are: {List(known)}");

    public static DistillException NotALabelMap(string source, string formatName, JsonException error) =>
        new(DistillErrorKind.InvalidInput,
            $"{source}: not a label map ({error.Message.Split('.')[0]}); expected {{\"format\": \"{formatName}\", " +
            "\"format_version\": 1, \"labels\": [...]}", error);

    public static DistillException WrongLabelMapFormat(string source, string? format, string formatName) =>
        new(DistillErrorKind.InvalidInput,
            $"{source}: not a label map (format was '{format}', expected '{formatName}' with a labels list)");

    public static DistillException UnsupportedLabelMapVersion(string source, int version, int supported) =>
        new(DistillErrorKind.InvalidInput,
            $"{source}: label map format_version {version} is not supported (this Distill reads " +
            $"{supported}); save it again with this version");

    public static DistillException InvalidLabelMap(string source, DistillException error) =>
        new(DistillErrorKind.InvalidInput, $"{source}: {error.Message}", error);

    public static DistillException LabelMapNotFound(string path) =>
        new(DistillErrorKind.InvalidInput,
            $"{path}: label map not found; save one with LabelMap.Save, or give the label list");

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

    public static DistillException BadRange(string text) =>
        new(DistillErrorKind.InvalidInput,
            $"feature columns '{text}' are not a range: write first..last with two 0-based positions (1..784) or two names that differ only in a trailing number (p0..p783)");

    public static DistillException BackwardRange(string text) =>
        new(DistillErrorKind.InvalidInput, $"feature columns '{text}' end before they start; write the first column before the last, as in p0..p783");
}
