using System.Runtime.CompilerServices;
using static TorchSharp.torch;

namespace Distill.Losses.Internal;

/// <summary>Shape checks for pairs of [batch, heads, sequence, ...] tensors from student and teacher.</summary>
internal static class AttentionChecks
{
    /// <summary>Checks two [batch, heads, sequence, sequence] attention tensors that must share batch and sequence.</summary>
    public static void Pair(
        Tensor student,
        Tensor teacher,
        [CallerArgumentExpression(nameof(student))] string studentName = "",
        [CallerArgumentExpression(nameof(teacher))] string teacherName = "")
    {
        PerHead(student, teacher, "[batch, heads, sequence, sequence]", studentName, teacherName);
        if (student.shape[2] != student.shape[3])
        {
            throw new ArgumentException($"{studentName}: expected shape [batch, heads, sequence, sequence], got {Guard.Shape(student)}", studentName);
        }

        Guard.Dimension(teacher, 3, student.shape[3], "keys (as in " + studentName + ")", teacherName);
    }

    /// <summary>
    /// Checks two rank-4 per-head tensors of the given layout: same batch, same sequence length (dimension 2).
    /// Different lengths mean different tokenizations, which token-level terms cannot compare.
    /// </summary>
    public static void PerHead(Tensor student, Tensor teacher, string layout, string studentName, string teacherName)
    {
        Guard.Rank(student, 4, layout, studentName);
        Guard.FloatingPoint(student, studentName);
        Guard.Rank(teacher, 4, layout, teacherName);
        Guard.FloatingPoint(teacher, teacherName);
        Guard.Dimension(teacher, 0, student.shape[0], "batch (as in " + studentName + ")", teacherName);
        if (teacher.shape[2] != student.shape[2])
        {
            throw new ArgumentException(
                $"{teacherName}: expected sequence length {student.shape[2]} (as in {studentName}), got {teacher.shape[2]}: " +
                "token-level terms need the student and the teacher to tokenize the text the same way (one vocabulary)",
                teacherName);
        }

        Guard.SameDevice(teacher, student, studentName, teacherName);
    }
}
