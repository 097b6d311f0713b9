namespace Distill.Losses;

/// <summary>
/// Facts about the models that some terms need when the registry builds them: hidden sizes for the projection of
/// hidden_mse, and where warnings go.
/// </summary>
public sealed record LossBuildContext
{
    /// <summary>Hidden size of the student (transformer students), or null.</summary>
    public int? StudentHidden { get; init; }

    /// <summary>Hidden size of the teacher (transformer teachers), or null.</summary>
    public int? TeacherHidden { get; init; }

    /// <summary>Where terms send warnings (DKD on two classes, say); null = standard error.</summary>
    public Action<string>? OnWarning { get; init; }
}
