using Distill.Platform;
using Distill.Teacher;

namespace Distill.MLNet;

/// <summary>
/// Settings of <see cref="TeacherOutputsEstimator"/>: the ONNX teacher, the columns it reads (token columns for text
/// teachers, one float vector for vision and tabular ones) and writes, and how it runs.
/// </summary>
public sealed record TeacherOutputsOptions
{
    /// <summary>The teacher's ONNX file. Required.</summary>
    public required string TeacherPath { get; init; }

    /// <summary>Token ids, for text teachers. Default <c>InputIds</c>.</summary>
    public string InputIdsColumnName { get; init; } = DistillColumnNames.InputIds;

    /// <summary>Attention mask, for text teachers; when the input has no such column every token counts. Default <c>AttentionMask</c>.</summary>
    public string AttentionMaskColumnName { get; init; } = DistillColumnNames.AttentionMask;

    /// <summary>Segment ids, for text teachers; when the input has no such column the teacher gets zeros. Default <c>TokenTypeIds</c>.</summary>
    public string TokenTypeIdsColumnName { get; init; } = DistillColumnNames.TokenTypeIds;

    /// <summary>Float features (a <c>Vector&lt;Single, n&gt;</c>), for teachers of one float tensor. Default <c>Features</c>.</summary>
    public string FeatureColumnName { get; init; } = DistillColumnNames.Features;

    /// <summary>The logits column written, a <c>Vector&lt;Single, classes&gt;</c>. Default <c>TeacherLogits</c>.</summary>
    public string OutputColumnName { get; init; } = DistillColumnNames.TeacherLogits;

    /// <summary>Rows per teacher run when a data view is transformed, ≥ 1; a <c>PredictionEngine</c> runs one row at a time. Default 32.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Where ONNX Runtime runs the teacher: auto (CUDA where it works, else the CPU), cpu, cuda, cuda:N. Default auto.</summary>
    public DeviceSetting Device { get; init; } = DeviceSetting.Auto;

    /// <summary>Threads ONNX Runtime uses inside one operator; 0 (the default) uses every core.</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>Model inputs whose meaning their name does not say, e.g. <c>{"mask_1": AttentionMask}</c>. Default none.</summary>
    public IReadOnlyDictionary<string, TeacherInputKind>? InputMap { get; init; }

    /// <summary>Every problem with these settings, naming the setting, its value and the fix; empty when valid.</summary>
    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(TeacherPath))
        {
            yield return "TeacherPath is empty; give the teacher's .onnx file";
        }
        else if (!File.Exists(TeacherPath))
        {
            yield return $"{TeacherPath}: teacher file not found; give the path of the teacher's .onnx file";
        }

        foreach (var error in Internal.ColumnNameChecks.Required(
                     (nameof(InputIdsColumnName), InputIdsColumnName), (nameof(AttentionMaskColumnName), AttentionMaskColumnName),
                     (nameof(TokenTypeIdsColumnName), TokenTypeIdsColumnName), (nameof(FeatureColumnName), FeatureColumnName),
                     (nameof(OutputColumnName), OutputColumnName)))
        {
            yield return error;
        }

        if (BatchSize < 1)
        {
            yield return $"BatchSize must be >= 1 (was {BatchSize})";
        }

        if (IntraOpThreads < 0)
        {
            yield return $"IntraOpThreads must be >= 0, 0 for every core (was {IntraOpThreads})";
        }
    }

    /// <summary>The <see cref="OnnxTeacher"/> settings: logits only, segment ids fed when the input has them.</summary>
    internal OnnxTeacherOptions TeacherOptions() => new()
    {
        Device = Device, IntraOpThreads = IntraOpThreads, InputMap = InputMap, HasSegmentIds = true,
    };
}
