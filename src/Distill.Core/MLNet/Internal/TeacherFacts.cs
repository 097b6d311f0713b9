using Distill.Teacher;

namespace Distill.MLNet.Internal;

/// <summary>
/// What the ML.NET side needs to know of a teacher before it runs: whether it takes text (token ids) or one float
/// tensor, and how many classes its logits have, read from the graph's declared shape or, when the graph leaves that
/// dimension open, from one run on a tiny input.
/// </summary>
internal sealed record TeacherFacts(bool IsText, int Classes)
{
    /// <summary>Reads the facts from the file, loading the model in ONNX Runtime only when the graph does not declare the class count.</summary>
    public static TeacherFacts Read(string path, OnnxTeacherOptions options)
    {
        var inspection = TeacherGraph.Inspect(path);
        if (Declared(inspection) is { } classes)
        {
            return new TeacherFacts(inspection.TokenIdsInput is not null, classes);
        }

        using var teacher = OnnxTeacher.Load(path, options);
        return Of(teacher);
    }

    /// <summary>The facts of a loaded teacher.</summary>
    public static TeacherFacts Of(OnnxTeacher teacher) =>
        new(teacher.Inspection.TokenIdsInput is not null, Declared(teacher.Inspection) ?? Probe(teacher));

    /// <summary>The dims of one row of a float teacher's input, or null where the graph leaves any open.</summary>
    public static long[]? FeatureDims(OnnxTeacher teacher)
    {
        var shape = teacher.Binding.Find(TeacherInputKind.Features)?.Input.Shape;
        return shape is { Count: > 1 } && shape.Skip(1).All(d => d.Value is > 0) ? shape.Skip(1).Select(d => d.Value!.Value).ToArray() : null;
    }

    private static int? Declared(TeacherInspection inspection)
    {
        var logits = inspection.Outputs.FirstOrDefault(o => o.Name == inspection.Logits);
        return logits?.Shape is { Count: 2 } shape && shape[1].Value is > 0 and <= int.MaxValue ? (int)shape[1].Value!.Value : null;
    }

    private static int Probe(OnnxTeacher teacher)
    {
        TeacherBatch batch;
        if (teacher.Inspection.TokenIdsInput is not null)
        {
            batch = new TeacherBatch { Rows = 1, Length = 2, InputIds = [0, 0], AttentionMask = [1, 1], TokenTypeIds = [0, 0] };
        }
        else
        {
            var dims = FeatureDims(teacher) ?? throw MLNetErrors.TeacherClassCountUnknown(teacher.Path, teacher.LogitsOutput);
            batch = new TeacherBatch { Rows = 1, Features = new float[dims.Aggregate(1L, (a, b) => a * b)], FeatureDims = dims };
        }

        using var outputs = teacher.Run(batch, [teacher.LogitsOutput]);
        var result = outputs.Dims(teacher.LogitsOutput);
        return result.Length == 2 && result[1] > 0
            ? (int)result[1]
            : throw MLNetErrors.TeacherProbeShape(teacher.Path, teacher.LogitsOutput, result);
    }
}
