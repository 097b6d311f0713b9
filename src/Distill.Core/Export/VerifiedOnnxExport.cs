using Distill.Export.Internal;
using Distill.Students;
using Distill.Training;

namespace Distill.Export;

/// <summary>What a verified export wrote and how closely ONNX Runtime reproduces the student.</summary>
/// <param name="Path">The ONNX file.</param>
/// <param name="LargestDifference">The largest absolute difference of the logits, ONNX Runtime against TorchSharp.</param>
/// <param name="Rows">How many examples the check ran.</param>
public sealed record VerifiedOnnxExportResult(string Path, double LargestDifference, int Rows);

/// <summary>
/// Exports a student to ONNX and checks the file against the student on real examples before anyone uses it: the
/// export the recipe runner ships. An export whose logits differ by more than <see cref="ParityLimit"/> is an error,
/// never a warning.
/// </summary>
public static class VerifiedOnnxExport
{
    /// <summary>
    /// The largest absolute difference of the logits allowed between ONNX Runtime and TorchSharp: float32 kernels that
    /// sum in another order differ by about 1e-6 here; a wrong graph differs by whole units.
    /// </summary>
    public const double ParityLimit = 1e-3;

    /// <summary>
    /// Writes <paramref name="model"/> (in eval mode) to <paramref name="path"/>, creating its folder, and checks it on
    /// <paramref name="sample"/> (text examples, or float examples of <paramref name="featureShape"/>; <see cref="OnnxParity"/>).
    /// </summary>
    /// <exception cref="DistillException">The export differs from the student by more than <see cref="ParityLimit"/>.</exception>
    public static VerifiedOnnxExportResult Export(StudentModel model, string path, OnnxExportOptions options, IReadOnlyList<StudentExample> sample,
        IReadOnlyList<int>? featureShape = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sample);
        model.eval();
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        OnnxExporter.Export(model, path, options);
        var difference = OnnxParity.MaxAbsoluteDifference(model, path, sample, featureShape);
        if (!(difference <= ParityLimit))
        {
            throw ExportErrors.ParityExceeded(path, difference, ParityLimit);
        }

        return new VerifiedOnnxExportResult(path, difference, sample.Count);
    }
}
