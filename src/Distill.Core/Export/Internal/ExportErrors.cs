using Distill.Students;

namespace Distill.Export.Internal;

/// <summary>
/// The errors of exporting a student to ONNX, each one line that names the setting or file, the value seen and what
/// to do. Bad export settings and an existing file are <see cref="DistillErrorKind.InvalidInput"/> (exit code 2:
/// nothing changes until the user does something); an export that disagrees with the student it came from is
/// <see cref="DistillErrorKind.RunFailed"/> (exit code 1: a fault in Distill, not in the user's input).
/// </summary>
internal static class ExportErrors
{
    public static DistillException OpsetTooLow(int opset) =>
        new(DistillErrorKind.InvalidInput, $"export.opset must be >= 17 (was {opset}): LayerNormalization needs opset 17");

    public static DistillException LabelCount(int names, int labels) =>
        new(DistillErrorKind.InvalidInput, $"export labels: {names} names given for a student with {labels} labels; give one name per label");

    public static DistillException UnsupportedExtraOutputs(string architecture, Intermediates unsupported, Intermediates supported) =>
        new(DistillErrorKind.InvalidInput,
            $"export.extra_outputs: a {architecture} student has no {unsupported} to export (it has: {supported})");

    public static DistillException FileExists(string path) =>
        new(DistillErrorKind.InvalidInput, $"{path}: the file exists; choose another path or allow overwriting (OnnxExportOptions.Overwrite)");

    public static DistillException ParityExceeded(string path, double difference, double limit) =>
        new(DistillErrorKind.RunFailed,
            string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{path}: ONNX Runtime's logits differ from TorchSharp's by {difference:G3} on dev rows (more than {limit:G}); the export is wrong, please report it"));
}
