namespace Distill.Teacher;

/// <summary>A teacher that runs batches: an ONNX model in ONNX Runtime (<see cref="OnnxTeacher"/>), or a stand-in in tests.</summary>
public interface ITeacherModel
{
    /// <summary>Content hash of the model (<c>sha256:…</c> of the file), part of every cache key.</summary>
    string ContentHash { get; }

    /// <summary>Number of transformer layers, for layer maps; null when the teacher has none or they are unknown.</summary>
    int? LayerCount => null;

    /// <summary>Runs one batch and returns the named outputs; the caller disposes them.</summary>
    TeacherOutputs Run(TeacherBatch batch, IReadOnlyList<string> outputs);
}
