using System.Text.Json.Serialization;

namespace Distill.Students.Checkpoints;

/// <summary>
/// The contents of a checkpoint's <c>distill.json</c> (snake_case keys): what format it is, which student it holds and
/// with which settings, what its outputs mean, which vocabulary it reads, which Distill wrote it, and the SHA-256 of
/// its weights file, checked on every load.
/// </summary>
public sealed record StudentCheckpointManifest
{
    /// <summary>Always <see cref="StudentCheckpoint.FormatName"/>; tells this file from other JSON.</summary>
    public string Format { get; init; } = StudentCheckpoint.FormatName;

    /// <summary>The version of this layout; this Distill writes and reads <see cref="StudentCheckpoint.FormatVersion"/>.</summary>
    public int FormatVersion { get; init; } = StudentCheckpoint.FormatVersion;

    /// <summary>The version of the Distill that wrote the checkpoint (informational).</summary>
    public required string DistillVersion { get; init; }

    /// <summary>The architecture and its settings (JSON key <c>student</c>, with an <c>architecture</c> discriminator).</summary>
    public required StudentOptions Student { get; init; }

    /// <summary>Class names, in logit order.</summary>
    public required IReadOnlyList<string> Labels { get; init; }

    /// <summary>The tokenizer vocabulary's hash (<c>sha256:...</c>), or null for students of float features.</summary>
    public string? VocabularyHash { get; init; }

    /// <summary>SHA-256 of <see cref="StudentCheckpoint.WeightsFileName"/>, 64 lower-case hex digits.</summary>
    public required string WeightsSha256 { get; init; }

    /// <summary>The labels and vocabulary hash, as given to <see cref="StudentCheckpoint.Save"/>.</summary>
    [JsonIgnore]
    public StudentCheckpointInfo Info => new() { Labels = Labels, VocabularyHash = VocabularyHash };

    /// <inheritdoc />
    public bool Equals(StudentCheckpointManifest? other) =>
        other is not null && Format == other.Format && FormatVersion == other.FormatVersion && DistillVersion == other.DistillVersion
        && Student.Equals(other.Student) && Labels.SequenceEqual(other.Labels) && VocabularyHash == other.VocabularyHash
        && WeightsSha256 == other.WeightsSha256;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Format, FormatVersion, Student, Labels.Count, WeightsSha256);
}
