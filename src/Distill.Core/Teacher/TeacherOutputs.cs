namespace Distill.Teacher;

/// <summary>The outputs of one teacher batch, by name, as float32 values with their dims ([rows, ...]).</summary>
public sealed class TeacherOutputs
{
    private readonly Dictionary<string, (float[] Values, long[] Dims)> _outputs = new(StringComparer.Ordinal);

    /// <summary>Adds an output.</summary>
    public void Add(string name, float[] values, long[] dims) => _outputs[name] = (values, dims);

    /// <summary>The output called <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">The batch has no such output.</exception>
    public (float[] Values, long[] Dims) this[string name] =>
        _outputs.TryGetValue(name, out var output)
            ? output
            : throw new KeyNotFoundException($"the teacher's outputs have no '{name}' (they have: {string.Join(", ", _outputs.Keys)})");
}
