using Distill.Students;

namespace Distill.Training;

/// <summary>
/// Trains a student from cached teacher targets, labels where they exist, and a weighted sum of loss terms per
/// stage. See the README ("Training") for the schedule, batching, checkpoints and resume.
/// </summary>
public sealed class DistillationTrainer
{
    private readonly StudentModel _student;
    private readonly TrainingOptions _options;
    private readonly IReadOnlyList<TrainingStage> _stages;
    private readonly BlockwiseDistillation? _blockwise;

    /// <summary>Prepares a run of <paramref name="stages"/> on <paramref name="student"/>.</summary>
    /// <param name="student">The student to train; it is trained in place.</param>
    /// <param name="options">Settings that hold across stages.</param>
    /// <param name="stages">The stages, in order.</param>
    /// <param name="blockwise">The frozen teacher and connectors, when a stage has a <c>blockwise_logit</c> term.</param>
    /// <exception cref="DistillException">A setting is invalid.</exception>
    public DistillationTrainer(StudentModel student, TrainingOptions options, IReadOnlyList<TrainingStage> stages, BlockwiseDistillation? blockwise = null)
    {
        _student = student ?? throw new ArgumentNullException(nameof(student));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _stages = stages ?? throw new ArgumentNullException(nameof(stages));
        _blockwise = blockwise;
        var errors = options.Validate().Concat(stages.SelectMany(s => s.Validate())).ToList();
        if (stages.Count == 0)
        {
            errors.Add("training.stages must have at least one stage");
        }

        if (errors.Count > 0)
        {
            throw new DistillException(DistillErrorKind.InvalidInput, string.Join("; ", errors));
        }
    }

    /// <summary>Runs the stages; resumes from the output folder's last checkpoint when the options say so.</summary>
    /// <exception cref="DistillException">Bad input (found before training starts), or a loss that is not finite.</exception>
    public TrainingResult Train(TrainingData data, IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default) =>
        throw new NotImplementedException("the training loop is being written");
}
