namespace Distill.Recipes;

/// <summary>Export of the student (key <c>export</c>).</summary>
public sealed record ExportSettings
{
    /// <summary>Write the best student as ONNX. Key <c>onnx</c>, default true.</summary>
    public bool Onnx { get; init; } = true;

    /// <summary>Key <c>opset</c>, default 17.</summary>
    public int Opset { get; init; } = 17;

    /// <summary>Where to write the ONNX file; default <c>&lt;output&gt;/student.onnx</c>. Key <c>path</c>.</summary>
    public string? Path { get; init; }
}
