using Distill.Platform;
using Distill.Students;
using static TorchSharp.torch;

namespace Distill.Training;

/// <summary>
/// One student's training, set up alike wherever it starts (a recipe's seed, the ML.NET trainer): libtorch loaded,
/// TorchSharp's generator seeded right before the student's random weights are drawn, the student trained by
/// <see cref="DistillationTrainer"/>, and disposed unless the caller keeps it.
/// </summary>
/// <remarks>
/// Between <see cref="Create"/> and <see cref="Train"/> the caller may start the student from other weights (teacher
/// layers, a pretrained encoder) and build the stages' loss terms. Their random draws then follow the student's, so the
/// same seed gives the same projections, as it always has.
/// </remarks>
public sealed class StudentTrainingRun : IDisposable
{
    private StudentModel? _student;
    private bool _kept;

    private StudentTrainingRun(StudentModel student, int seed)
    {
        _student = student;
        Seed = seed;
    }

    /// <summary>The seed the student's weights were drawn with, and the one training runs with.</summary>
    public int Seed { get; }

    /// <summary>The student: random weights from <see cref="Seed"/> until the caller or <see cref="Train"/> changes them.</summary>
    public StudentModel Student => _student ?? throw new ObjectDisposedException(nameof(StudentTrainingRun));

    /// <summary>Loads libtorch, seeds TorchSharp's generator with <paramref name="seed"/> and creates the student.</summary>
    /// <exception cref="DistillException">The options are invalid, or libtorch does not load.</exception>
    public static StudentTrainingRun Create(StudentOptions options, int seed)
    {
        ArgumentNullException.ThrowIfNull(options);
        TorchRuntime.EnsureLoaded();
        manual_seed(seed);
        return new StudentTrainingRun(options.CreateModel(), seed);
    }

    /// <summary>
    /// Trains the student through <paramref name="stages"/> on <paramref name="data"/>; <paramref name="training"/>'s
    /// seed must be this run's (shuffling and dropout follow it).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="training"/> has another seed.</exception>
    /// <exception cref="DistillException">The data or the stages do not fit the student, or training failed.</exception>
    public TrainingResult Train(TrainingOptions training, IReadOnlyList<TrainingStage> stages, TrainingData data, BlockwiseDistillation? blockwise = null,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(training);
        if (training.Seed != Seed)
        {
            throw new ArgumentException($"training.Seed is {training.Seed} but the student was drawn with seed {Seed}; use one seed for both", nameof(training));
        }

        return new DistillationTrainer(Student, training, stages, blockwise).Train(data, progress, cancellation);
    }

    /// <summary>Hands the student to the caller, who disposes it from now on.</summary>
    public StudentModel Keep()
    {
        var student = Student;
        _kept = true;
        return student;
    }

    /// <summary>Disposes the student unless <see cref="Keep"/> handed it over.</summary>
    public void Dispose()
    {
        if (!_kept)
        {
            _student?.Dispose();
        }

        _student = null;
    }
}
