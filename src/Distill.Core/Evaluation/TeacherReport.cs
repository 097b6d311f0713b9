namespace Distill.Evaluation;

/// <summary>The teacher of a run, as the report shows it.</summary>
public sealed record TeacherReport : ModelReport
{
    /// <summary>The teacher's name or path, as the recipe gives it.</summary>
    public required string Name { get; init; }
}
