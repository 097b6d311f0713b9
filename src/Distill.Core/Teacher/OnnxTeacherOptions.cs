using Distill.Platform;

namespace Distill.Teacher;

/// <summary>Settings of <see cref="OnnxTeacher"/>.</summary>
public sealed record OnnxTeacherOptions
{
    /// <summary>Where the teacher runs: auto (CUDA where ONNX Runtime can use it, else the CPU), cpu, cuda, cuda:N.</summary>
    public DeviceSetting Device { get; init; } = DeviceSetting.Auto;

    /// <summary>Threads ONNX Runtime uses inside one operator; 0 (the default) lets it use every core.</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>
    /// Model inputs whose meaning their name does not say, e.g. <c>{"mask_1": AttentionMask}</c>; it takes precedence
    /// over the usual names (<see cref="TeacherInputBinding"/>).
    /// </summary>
    public IReadOnlyDictionary<string, TeacherInputKind>? InputMap { get; init; }

    /// <summary>True when the data has sentence pairs (segment ids); otherwise a token-type input is fed zeros.</summary>
    public bool HasSegmentIds { get; init; }

    /// <summary>Layers (from 0) whose attention probabilities become outputs of the teacher. Default none.</summary>
    public IReadOnlyList<int> AttentionLayers { get; init; } = [];

    /// <summary>Hidden states (0 = embedding output, i = output of layer i − 1) that become outputs. Default none.</summary>
    public IReadOnlyList<int> HiddenStates { get; init; } = [];

    /// <summary>
    /// CNN stages (from 0, as <see cref="TeacherInspection.FeatureMaps"/> numbers them) whose feature maps become
    /// outputs of the teacher. Default none.
    /// </summary>
    public IReadOnlyList<int> FeatureMaps { get; init; } = [];

    /// <summary>Where notices go (a CPU fallback, say); null = nowhere.</summary>
    public Action<string>? OnNotice { get; init; }
}
