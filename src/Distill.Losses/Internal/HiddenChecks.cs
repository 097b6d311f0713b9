using System.Runtime.CompilerServices;
using static TorchSharp.torch;

namespace Distill.Losses.Internal;

/// <summary>Shape checks for pairs of [batch, sequence, hidden] tensors.</summary>
internal static class HiddenChecks
{
    public static void Pair(
        Tensor student,
        Tensor teacher,
        long studentHidden,
        long teacherHidden,
        [CallerArgumentExpression(nameof(student))] string studentName = "",
        [CallerArgumentExpression(nameof(teacher))] string teacherName = "")
    {
        Guard.Rank(student, 3, "[batch, sequence, hidden]", studentName);
        Guard.FloatingPoint(student, studentName);
        Guard.Rank(teacher, 3, "[batch, sequence, hidden]", teacherName);
        Guard.FloatingPoint(teacher, teacherName);
        Guard.Dimension(student, 2, studentHidden, "the student's hidden size", studentName);
        Guard.Dimension(teacher, 0, student.shape[0], "batch (as in " + studentName + ")", teacherName);
        if (teacher.shape[1] != student.shape[1])
        {
            throw new ArgumentException(
                $"{teacherName}: expected sequence length {student.shape[1]} (as in {studentName}), got {teacher.shape[1]}: " +
                "token-level terms need the student and the teacher to tokenize the text the same way (one vocabulary)",
                teacherName);
        }

        Guard.Dimension(teacher, 2, teacherHidden, "the teacher's hidden size", teacherName);
        Guard.SameDevice(teacher, student, studentName, teacherName);
    }
}
