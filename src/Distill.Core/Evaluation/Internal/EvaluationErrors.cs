using Distill.Teacher;
using Microsoft.ML.OnnxRuntime;

namespace Distill.Evaluation.Internal;

/// <summary>
/// The errors of benchmarking and measuring ONNX models (teachers and students alike), each one line that names the
/// model file, the input, what was seen and what to do. All are <see cref="DistillErrorKind.InvalidInput"/> (exit code
/// 2): a missing or unreadable file, a model the bench cannot feed or run, or bad settings stay so until the user
/// changes them.
/// </summary>
internal static class EvaluationErrors
{
    public static DistillException InvalidOptions(IEnumerable<string> errors) =>
        new(DistillErrorKind.InvalidInput, string.Join("; ", errors));

    public static DistillException ModelFileNotFound(string path) =>
        new(DistillErrorKind.InvalidInput, $"{path}: file not found; pass an .onnx model file");

    public static DistillException NoGraph(string path) =>
        new(DistillErrorKind.InvalidInput, $"{path}: the model has no graph; pass an .onnx model file");

    public static DistillException NotOnnx(string path, Google.Protobuf.InvalidProtocolBufferException error) =>
        new(DistillErrorKind.InvalidInput, $"{path}: not a readable ONNX model ({error.Message}); pass an .onnx model file", error);

    public static DistillException CannotReadOnnx(string path, Exception error) =>
        new(DistillErrorKind.InvalidInput, $"{path}: cannot read it as an ONNX model ({error.Message})", error);

    public static DistillException CannotLoad(string path, OnnxRuntimeException error) =>
        new(DistillErrorKind.InvalidInput, $"{path}: ONNX Runtime cannot load the model ({FirstLine(error)})", error);

    public static DistillException CannotRun(string path, OnnxRuntimeException error, IEnumerable<string> inputs) =>
        new(DistillErrorKind.InvalidInput,
            $"{path}: ONNX Runtime cannot run the model on the bench inputs ({FirstLine(error)}); the inputs were {string.Join("; ", inputs)}", error);

    public static DistillException InputWithoutShape(TeacherInspection model, TeacherTensorInfo input) =>
        BadInput(model, input, "declares no shape, so the bench cannot make up a value for it; export the model with input shapes");

    public static DistillException InputWithFixedBatch(TeacherInspection model, TeacherTensorInfo input, long fixedBatch, int batchSize) =>
        BadInput(model, input,
            $"has a fixed batch size of {fixedBatch}; the bench runs batches of 1 and {batchSize}, so export the model with a dynamic batch axis");

    public static DistillException InputTypeNotFilled(TeacherInspection model, TeacherTensorInfo input) =>
        BadInput(model, input, "has an element type the bench does not fill; it fills int64, int32, bool, float, double and float16 inputs");

    private static DistillException BadInput(TeacherInspection model, TeacherTensorInfo input, string what) =>
        new(DistillErrorKind.InvalidInput, $"{model.Source}: input '{input.Name}' ({input.Describe()}) {what}");

    private static string FirstLine(Exception e) => e.Message.Split('\n')[0].Trim();
}
