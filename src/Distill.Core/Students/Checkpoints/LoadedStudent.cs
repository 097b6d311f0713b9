namespace Distill.Students.Checkpoints;

/// <summary>A student read from a checkpoint: the model, in evaluation mode, and the manifest it was checked against.</summary>
public sealed record LoadedStudent
{
    /// <summary>The model with the checkpoint's weights, in evaluation mode (call <c>train()</c> to fine-tune it). The caller disposes it.</summary>
    public required StudentModel Model { get; init; }

    /// <summary>The checkpoint's manifest.</summary>
    public required StudentCheckpointManifest Manifest { get; init; }

    /// <summary>The labels and vocabulary hash the checkpoint was saved with.</summary>
    public StudentCheckpointInfo Info => Manifest.Info;
}
