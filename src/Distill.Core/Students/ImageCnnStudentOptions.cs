namespace Distill.Students;

/// <summary>
/// Settings of <see cref="ImageCnnStudent"/>: a small residual network (He et al. 2016) of a stem and a few stages of
/// basic blocks; each stage after the first halves the resolution. Defaults: 3 stages of 16, 32 and 64 channels, one
/// block each, for single-channel images.
/// </summary>
public sealed record ImageCnnStudentOptions : StudentOptions
{
    /// <summary>Image channels (1 for grey, 3 for RGB). Default 1.</summary>
    public int InputChannels { get; init; } = 1;

    /// <summary>Channels of each stage, in order. Default [16, 32, 64].</summary>
    public IReadOnlyList<int> StageChannels { get; init; } = [16, 32, 64];

    /// <summary>Residual blocks per stage. Default 1.</summary>
    public int BlocksPerStage { get; init; } = 1;

    /// <inheritdoc />
    public override StudentKind Kind => StudentKind.ImageCnn;

    /// <inheritdoc />
    protected override IEnumerable<string> ValidateArchitecture() =>
        AtLeast("input_channels", InputChannels, 1)
            .Concat(AtLeast("blocks_per_stage", BlocksPerStage, 1))
            .Concat(StageChannels is null || StageChannels.Count == 0
                ? ["stage_channels must list at least one stage (was empty)"]
                : StageChannels.Where(c => c < 1).Select(c => $"stage_channels must all be >= 1 (was {c})"));

    /// <inheritdoc />
    protected override StudentModel Build() => new ImageCnnStudent(this);

    /// <inheritdoc />
    public bool Equals(ImageCnnStudentOptions? other) =>
        other is not null && base.Equals(other) && InputChannels == other.InputChannels
        && StageChannels.SequenceEqual(other.StageChannels) && BlocksPerStage == other.BlocksPerStage;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(base.GetHashCode(), InputChannels, StageChannels.Count, BlocksPerStage);
}
