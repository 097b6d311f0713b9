namespace Distill.Students;

/// <summary>Keys of the metadata Distill writes into exported ONNX models (<c>metadata_props</c>).</summary>
public static class OnnxMetadataKeys
{
    /// <summary>The student's settings as JSON (snake_case, with an <c>architecture</c> field).</summary>
    public const string Architecture = "distill.architecture";

    /// <summary>Class names in label-id order, as a JSON array.</summary>
    public const string Labels = "distill.labels";

    /// <summary>Hash of the tokenizer vocabulary.</summary>
    public const string VocabularyHash = "distill.vocabulary_hash";

    /// <summary>Version of Distill that wrote the model.</summary>
    public const string DistillVersion = "distill.version";
}
