using Distill.Cache;

namespace Distill.Training;

/// <summary>What a run trains on and evaluates on.</summary>
public sealed record TrainingData
{
    /// <summary>The training examples (the transfer set, augmented copies included).</summary>
    public required IReadOnlyList<StudentExample> Train { get; init; }

    /// <summary>Labelled examples evaluated after each epoch; null for none (no best checkpoint, no early stopping).</summary>
    public IReadOnlyList<StudentExample>? Dev { get; init; }

    /// <summary>Class names in label-id order; their count must be the student's.</summary>
    public required IReadOnlyList<string> Labels { get; init; }

    /// <summary>The teacher's targets over the training examples; null trains on labels alone (the baseline).</summary>
    public TeacherTargets? Teacher { get; init; }

    /// <summary>Hash of the student's tokenizer vocabulary, written into the best checkpoint's manifest; null for float inputs.</summary>
    public string? VocabularyHash { get; init; }

    /// <summary>Per-example shape of float inputs, e.g. [1, 28, 28] for an image CNN; null for text and flat vectors.</summary>
    public IReadOnlyList<int>? FeatureShape { get; init; }

    /// <summary>The teacher's cached outputs over the dev examples, for agreement with the teacher; optional.</summary>
    public TeacherCache? DevTeacher { get; init; }
}
