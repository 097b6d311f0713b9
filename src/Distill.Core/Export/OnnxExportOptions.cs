using Distill.Students;

namespace Distill.Export;

/// <summary>Settings of <see cref="OnnxExporter"/>.</summary>
public sealed record OnnxExportOptions
{
    /// <summary>ONNX opset, ≥ 17 (the first with LayerNormalization). Default 17.</summary>
    public int Opset { get; init; } = 17;

    /// <summary>
    /// Intermediate tensors to add as extra outputs, so that the exported model can serve as a teacher whose taps
    /// are already outputs (names in <see cref="OnnxNames"/>). Default none: <c>logits</c> only.
    /// </summary>
    public Intermediates ExtraOutputs { get; init; }

    /// <summary>Class names, in label-id order; written to the metadata as <c>distill.labels</c>. Default none.</summary>
    public IReadOnlyList<string>? Labels { get; init; }

    /// <summary>Hash of the tokenizer vocabulary (e.g. <c>sha256:…</c>); written as <c>distill.vocabulary_hash</c>.</summary>
    public string? VocabularyHash { get; init; }

    /// <summary>Overwrite an existing file at the target path. Default false: an existing file is an error.</summary>
    public bool Overwrite { get; init; }
}
