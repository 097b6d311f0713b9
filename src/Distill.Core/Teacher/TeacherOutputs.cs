using Microsoft.ML.OnnxRuntime;

namespace Distill.Teacher;

/// <summary>
/// The outputs of one teacher batch, by name, as float32 values with their dims ([rows, ...]). Outputs of
/// <see cref="OnnxTeacher"/> stay in ONNX Runtime's own buffers until the object is disposed: every cached value is
/// read once, straight from there, and never copied whole.
/// </summary>
public sealed class TeacherOutputs : IDisposable
{
    private readonly Dictionary<string, (float[]? Array, OrtValue? Value, long[] Dims)> _outputs = new(StringComparer.Ordinal);

    /// <summary>Adds an output held in an array.</summary>
    public void Add(string name, float[] values, long[] dims) => _outputs[name] = (values, null, dims);

    /// <summary>Adds an output held by ONNX Runtime; it is disposed with these outputs.</summary>
    internal void Add(string name, OrtValue value) => _outputs[name] = (null, value, value.GetTensorTypeAndShape().Shape);

    /// <summary>The values of output <paramref name="name"/>, row-major; valid until these outputs are disposed.</summary>
    /// <exception cref="KeyNotFoundException">The batch has no such output.</exception>
    public ReadOnlySpan<float> Values(string name)
    {
        var output = Get(name);
        return output.Array is not null ? output.Array : output.Value!.GetTensorDataAsSpan<float>();
    }

    /// <summary>The dims of output <paramref name="name"/>, [rows, ...].</summary>
    /// <exception cref="KeyNotFoundException">The batch has no such output.</exception>
    public long[] Dims(string name) => Get(name).Dims;

    /// <summary>Releases the outputs ONNX Runtime holds.</summary>
    public void Dispose()
    {
        foreach (var output in _outputs.Values)
        {
            output.Value?.Dispose();
        }

        _outputs.Clear();
    }

    private (float[]? Array, OrtValue? Value, long[] Dims) Get(string name) =>
        _outputs.TryGetValue(name, out var output)
            ? output
            : throw new KeyNotFoundException($"the teacher's outputs have no '{name}' (they have: {string.Join(", ", _outputs.Keys)})");
}
