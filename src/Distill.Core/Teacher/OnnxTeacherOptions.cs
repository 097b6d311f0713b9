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
    /// Which model input carries what, by model input name; inputs not named here are matched by their usual names
    /// (<see cref="TeacherInputRole"/>). Use it for a model whose inputs are called, say, <c>ids</c> and <c>mask</c>.
    /// </summary>
    public IReadOnlyDictionary<string, TeacherInputRole>? InputRoles { get; init; }

    /// <summary>Where notices go (a CPU fallback, say); null = nowhere.</summary>
    public Action<string>? OnNotice { get; init; }
}
