using Distill.Metrics;
using System.Diagnostics;
using Distill.Cache;
using Distill.Losses;
using Distill.Platform;
using Distill.Students;
using Distill.Students.Checkpoints;
using Distill.Training.Internal;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Distill.Training;

/// <summary>
/// Trains a student from the teacher's targets (a cache, an ensemble, or logits in memory), the labels where they
/// exist, and a weighted sum of loss terms per stage.
/// </summary>
/// <remarks>
/// <para>
/// Each stage runs AdamW (weight decay on weights, not on biases and norms) with a linear warm-up then linear or cosine
/// decay, gradient clipping and accumulation, over length-bucketed batches shuffled per epoch (<see cref="EpochBatches"/>).
/// The learned parameters of the stage's terms (projections) and the block-wise connectors train with the student.
/// After each epoch the student is evaluated on the dev set; the best is saved in <c>output/best</c> (Distill's
/// checkpoint format) and early stopping follows the patience.
/// </para>
/// <para>
/// Every <see cref="TrainingOptions.CheckpointEverySteps"/> optimizer steps and at each epoch's end a checkpoint holds
/// the student, the learned loss parameters, the optimizer and the run's position; a run started again with the same
/// output folder continues from it and ends as an uninterrupted run would. Shuffles and dropout are seeded from
/// (seed, stage, epoch, step), so the same seed on the same machine gives the same run. Seed TorchSharp
/// (<c>torch.manual_seed</c>) before building the student and the loss terms to make their initialisation repeatable.
/// </para>
/// </remarks>
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

        foreach (var name in stages.GroupBy(s => s.Name).Where(g => g.Count() > 1).Select(g => g.Key))
        {
            errors.Add($"training.stages: the name '{name}' is used twice; give each stage its own name");
        }

        if (errors.Count > 0)
        {
            throw TrainingErrors.InvalidRun(errors);
        }
    }

    /// <summary>Runs the stages; resumes from the output folder's checkpoint when the options say so.</summary>
    /// <exception cref="DistillException">Bad input (found before training starts), or a loss that is not finite.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the last checkpoint is kept and a new run resumes from it.</exception>
    public TrainingResult Train(TrainingData data, IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        var needs = Check(data);
        var device = new DeviceResolver().ResolveTorch(_options.Device).Device;
        _student.to(device);
        _blockwise?.to(device);
        foreach (var module in _stages.SelectMany(s => s.Loss.Terms).OfType<nn.Module>().Distinct())
        {
            module.to(device);
        }

        Directory.CreateDirectory(_options.OutputDirectory);
        foreach (var stale in Directory.EnumerateDirectories(_options.OutputDirectory, "checkpoint.tmp-*"))
        {
            Directory.Delete(stale, recursive: true); // left by a run killed while writing a checkpoint
        }

        foreach (var (name, parameter) in _student.named_parameters())
        {
            if (_options.Freeze.Any(prefix => Frozen(name, prefix)))
            {
                parameter.requires_grad = false;
            }
        }

        var learned = LearnedParameters();
        var state = _options.Resume ? TrainingCheckpoint.ReadState(_options.OutputDirectory) : null;
        if (state is not null)
        {
            TrainingCheckpoint.LoadWeights(_options.OutputDirectory, _student, learned);
        }

        var resumed = state is not null;
        state ??= new TrainingState();
        var run = new Run(this, data, needs, device, state, progress, cancellation);
        using (run.Log = MetricsLog.Open(Path.Combine(_options.OutputDirectory, "metrics.jsonl"), resumed ? state.GlobalStep : null))
        {
            for (var stage = state.Stage; stage < _stages.Count; stage++)
            {
                run.Stage(stage, learned);
            }
        }

        var bestFolder = Path.Combine(_options.OutputDirectory, "best");
        var best = run.Best;
        if (best is not null && File.Exists(Path.Combine(bestFolder, StudentCheckpoint.ManifestFileName)))
        {
            LoadInto(_student, bestFolder);
        }

        return new TrainingResult
        {
            Student = _student,
            Evaluations = run.State.Evaluations.Select(e => new EpochEvaluation(e.Stage, e.Epoch, e.Step, e.Metrics)).ToList(),
            Best = best,
            BestCheckpoint = best is null ? null : bestFolder,
            MetricsLog = run.Log.Path,
            Steps = run.State.GlobalStep,
            StoppedEarly = run.State.EarlyStoppedStages.Count > 0,
            Resumed = resumed,
            Elapsed = run.Elapsed,
        };
    }

    /// <summary>Everything that can be wrong with the data, found before the first step; returns each stage's needs.</summary>
    /// <summary>A key is frozen by itself or by a module path it starts with (<c>bert.embeddings</c>, not <c>bert.emb</c>).</summary>
    private static bool Frozen(string key, string prefix) =>
        key == prefix || key.StartsWith(prefix.EndsWith('.') ? prefix : prefix + ".", StringComparison.Ordinal);

    private LossNeeds[] Check(TrainingData data)
    {
        var errors = new List<string>();
        var keys = _student.named_parameters().Select(p => p.name).ToList();
        foreach (var prefix in _options.Freeze.Where(f => !keys.Any(k => Frozen(k, f))))
        {
            errors.Add($"training.freeze: '{prefix}' names no parameter of the student; give a state-dict key or a module path such as " +
                       $"{string.Join(", ", keys.Select(k => k.Split('.')[0]).Distinct().Take(3))} (the student has {string.Join(", ", keys.Take(3))}, ...)");
        }

        if (data.Train.Count == 0)
        {
            errors.Add("the training set is empty: there is nothing to train on");
        }

        if (data.Labels.Count != _student.NumLabels)
        {
            errors.Add($"the data has {data.Labels.Count} labels ({string.Join(", ", data.Labels)}) but the student predicts {_student.NumLabels}; set the student's num_labels to {data.Labels.Count}");
        }

        void CheckLabels(IReadOnlyList<StudentExample>? examples, string set, bool required)
        {
            var bad = examples?.FirstOrDefault(e => e.Label >= data.Labels.Count || e.Label < -1 || (required && e.Label < 0));
            if (bad is not null)
            {
                errors.Add(bad.Label < 0
                    ? $"{set} row {bad.RowId} has no label; every dev row must be labelled"
                    : $"{set} row {bad.RowId} has label id {bad.Label}, outside the {data.Labels.Count} labels ({string.Join(", ", data.Labels)})");
            }
        }

        CheckLabels(data.Train, "training", required: false);
        CheckLabels(data.Dev, "dev", required: true);
        if (data.Teacher is { } teacher && teacher.Classes != _student.NumLabels)
        {
            errors.Add($"{teacher.Source} predicts {teacher.Classes} classes but the student {_student.NumLabels}; distil a teacher of the same labels");
        }

        if (errors.Count > 0)
        {
            throw TrainingErrors.InvalidRun(errors);
        }

        data.Teacher?.Bind(data.Train);
        var needs = _stages.Select(s => LossNeeds.Analyse(s.Name, s.Loss, _student, data.Teacher)).ToArray();
        for (var s = 0; s < _stages.Count; s++)
        {
            if (needs[s].Labels && data.Train.All(e => e.Label < 0))
            {
                throw TrainingErrors.StageNeedsLabels(_stages[s].Name);
            }

            if (needs[s].Paths && _blockwise is null)
            {
                throw TrainingErrors.StageNeedsBlockwise(_stages[s].Name);
            }
        }

        if (data.Teacher is not null && needs.Any(n => n.TokenLevel))
        {
            for (var i = 0; i < data.Train.Count; i++)
            {
                if (data.Teacher.LengthOf(i) is { } teacherLength && teacherLength != data.Train[i].Length)
                {
                    throw TrainingErrors.TokenCountsDiffer(data.Train[i].RowId, teacherLength, data.Train[i].Length);
                }
            }
        }

        return needs;
    }

    /// <summary>The learned parameters outside the student (loss projections, connectors), by checkpoint name.</summary>
    private Dictionary<string, Tensor> LearnedParameters()
    {
        var learned = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (var s = 0; s < _stages.Count; s++)
        {
            var terms = _stages[s].Loss.Terms;
            for (var t = 0; t < terms.Count; t++)
            {
                if (terms[t] is nn.Module module)
                {
                    foreach (var (name, value) in module.state_dict())
                    {
                        learned[$"{_stages[s].Name}.{t}.{terms[t].Key}.{name}"] = value;
                    }
                }
            }
        }

        if (_blockwise is not null)
        {
            foreach (var (name, value) in _blockwise.state_dict())
            {
                learned[$"blockwise.{name}"] = value;
            }
        }

        return learned;
    }

    private static bool IsFeatureMap(string name) => TeacherTensorId.TryParse(name, out var id) && id.Kind == CachedTensorKind.Fixed;

    private static void LoadInto(StudentModel student, string checkpoint)
    {
        var loaded = StudentCheckpoint.Load(checkpoint).Model;
        using (loaded)
        {
            StateDicts.CopyExactly(student, loaded.state_dict(), checkpoint, "the checkpoint was saved by another student; train again in a new output folder");
        }
    }

    /// <summary>One run's moving parts: the position, the log, the clock.</summary>
    private sealed class Run(
        DistillationTrainer trainer,
        TrainingData data,
        LossNeeds[] needs,
        Device device,
        TrainingState state,
        IProgress<TrainingProgress>? progress,
        CancellationToken cancellation)
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly Lazy<IReadOnlyList<int>?> _devTeacher = new(() => DevTeacherPredictions(data));
        private long _rows;

        public TrainingState State { get; private set; } = state;

        public MetricsLog Log { get; set; } = null!;

        public TimeSpan Elapsed => _clock.Elapsed;

        public EpochEvaluation? Best
        {
            get
            {
                if (State.Evaluations.Count == 0)
                {
                    return null;
                }

                var metric = trainer._options.SelectionMetric;
                var best = State.Evaluations.MaxBy(e => e.Metrics.Get(metric))!;
                return new EpochEvaluation(best.Stage, best.Epoch, best.Step, best.Metrics);
            }
        }

        public void Stage(int index, IReadOnlyDictionary<string, Tensor> learned)
        {
            var stage = trainer._stages[index];
            var options = trainer._options;
            var continuing = State.Stage == index && (State.StageStep > 0 || State.Epoch > 0 || State.Batch > 0);
            if (!continuing)
            {
                State = State with { Stage = index, Epoch = 0, Batch = 0, StageStep = 0, EvaluationsWithoutImprovement = 0, StoppedEarly = false };
            }

            var (optimizer, groups) = Optimizer(stage, needs[index]);
            using var disposeOptimizer = optimizer;
            if (continuing)
            {
                TrainingCheckpoint.LoadOptimizer(options.OutputDirectory, optimizer);
            }

            var batchesPerEpoch = EpochBatches.Count(data.Train.Count, options.BatchSize, options.BucketBatches);
            var stepsPerEpoch = (batchesPerEpoch + options.GradientAccumulation - 1) / options.GradientAccumulation;
            var totalSteps = Math.Min(stage.MaxSteps ?? long.MaxValue, (long)stepsPerEpoch * stage.Epochs);
            var schedule = new LearningRateSchedule(stage.LearningRate, totalSteps, stage.WarmupFraction, stage.Decay);
            var stageClock = Stopwatch.StartNew();
            var stepsAtStart = State.StageStep;

            for (var epoch = State.Epoch; epoch < stage.Epochs && State.StageStep < totalSteps && !State.StoppedEarly; epoch++)
            {
                var batches = EpochBatches.For(data.Train, options.BatchSize, options.BucketBatches, options.Seed, index, epoch);
                trainer._student.train();
                trainer._blockwise?.train();
                var pending = 0;
                var sums = new Dictionary<string, double>();
                double total = 0;
                for (var b = State.Batch; b < batches.Count && State.StageStep < totalSteps; b++)
                {
                    cancellation.ThrowIfCancellationRequested();
                    total += MicroBatch(stage, index, needs[index], batches[b], sums);
                    pending++;
                    if (pending < options.GradientAccumulation && b < batches.Count - 1)
                    {
                        continue;
                    }

                    var rate = schedule.At(State.StageStep);
                    foreach (var group in groups)
                    {
                        group.LearningRate = rate;
                    }

                    if (options.MaxGradNorm > 0)
                    {
                        nn.utils.clip_grad_norm_(groups.SelectMany(g => g.Parameters), options.MaxGradNorm);
                    }

                    optimizer.Step();
                    optimizer.ZeroGrad();
                    State = State with { StageStep = State.StageStep + 1, GlobalStep = State.GlobalStep + 1, Epoch = epoch, Batch = b + 1 };
                    if (State.StageStep % options.LogEverySteps == 0 || State.StageStep == totalSteps)
                    {
                        LogStep(stage, epoch, totalSteps, rate, total / pending, sums.ToDictionary(p => p.Key, p => p.Value / pending), stageClock, stepsAtStart);
                    }

                    pending = 0;
                    sums.Clear();
                    total = 0;
                    if (State.GlobalStep % options.CheckpointEverySteps == 0)
                    {
                        TrainingCheckpoint.Save(options.OutputDirectory, trainer._student, learned, optimizer, State);
                    }
                }

                State = State with { Epoch = epoch + 1, Batch = 0 };
                if (stage.Evaluate && data.Dev is { Count: > 0 })
                {
                    Evaluate(stage, epoch);
                }

                // After the stage's last epoch the stage-end checkpoint below follows at once and holds the same
                // weights; writing both would double the checkpoint cost of every one-epoch stage.
                var stageEnds = epoch + 1 >= stage.Epochs || State.StageStep >= totalSteps || State.StoppedEarly;
                if (!stageEnds)
                {
                    TrainingCheckpoint.Save(options.OutputDirectory, trainer._student, learned, optimizer, State);
                }
            }

            // The stage is over: the next one (or a resumed run) starts from its beginning.
            State = State with { Stage = index + 1, Epoch = 0, Batch = 0, StageStep = 0, EvaluationsWithoutImprovement = 0, StoppedEarly = false };
            TrainingCheckpoint.Save(options.OutputDirectory, trainer._student, learned, optimizer, State);
        }

        /// <summary>Forward and backward of one batch; returns its total loss and adds each term's value to <paramref name="sums"/>.</summary>
        private double MicroBatch(TrainingStage stage, int stageIndex, LossNeeds need, int[] batch, Dictionary<string, double> sums)
        {
            using var scope = NewDisposeScope();

            // Dropout depends on (seed, step, batch) alone, so a resumed run draws the same masks.
            manual_seed(unchecked((trainer._options.Seed * 1_000_003L) + (State.GlobalStep * 7919) + batch[0]));
            var examples = batch.Select(i => data.Train[i]).ToList();
            var input = StudentBatches.Input(examples, device, data.FeatureShape, need.Capture);
            var output = trainer._student.call(input);
            var padLength = (int)(input.InputIds?.shape[1] ?? 1);
            var teacherLayers = data.Teacher?.Layers ?? 0;
            Tensor? Teacher(string name) => need.Teacher.Contains(name) ? data.Teacher!.Read(batch, name, padLength).to(device) : null;
            List<Tensor?>? Layered(Func<int, string> name, int count) =>
                need.Teacher.Any(n => Enumerable.Range(0, count).Select(name).Contains(n))
                    ? Enumerable.Range(0, count).Select(i => Teacher(name(i))).ToList()
                    : null;

            // The teacher's stage count, as LossNeeds counted it to pair stages: every map the cache holds, read where paired.
            var featureStages = need.Teacher.Any(IsFeatureMap) ? data.Teacher!.Tensors.Count(IsFeatureMap) : 0;
            var inputs = new LossInputs
            {
                StudentLogits = output.Logits,
                TeacherLogits = Teacher(CachedTensorSpec.LogitsName),
                Labels = need.Labels ? StudentBatches.Labels(examples, device) : null,
                AttentionMask = input.AttentionMask,
                StudentAttentionScores = output.AttentionScores,
                StudentAttentionProbabilities = output.AttentionProbabilities,
                StudentHiddenStates = output.HiddenStates,
                StudentValues = output.Values,
                StudentFeatureMaps = output.FeatureMaps,
                TeacherAttentionProbabilities = Layered(CachedTensorSpec.AttentionName, teacherLayers),
                TeacherHiddenStates = Layered(CachedTensorSpec.HiddenName, teacherLayers + 1),
                TeacherFeatureMaps = featureStages > 0 ? Enumerable.Range(0, featureStages).Select(i => Teacher(TeacherTensorId.FeatureMap(i).Name)).ToList() : null,
                PathLogits = need.Paths ? trainer._blockwise!.PathLogits(output.HiddenStates!, input.AttentionMask ?? ones_like(input.InputIds!)) : null,
                Progress = new LossProgress(State.StageStep, State.Epoch, State.Epoch + ((double)State.Batch / Math.Max(1, EpochBatches.Count(data.Train.Count, trainer._options.BatchSize, trainer._options.BucketBatches)))),
            };

            var result = stage.Loss.Compute(inputs);
            foreach (var term in result.Terms)
            {
                if (!double.IsFinite(term.Value))
                {
                    throw Diverged(stage, term.Name, term.Value);
                }

                sums[term.Name] = sums.GetValueOrDefault(term.Name) + term.Value;
            }

            var value = result.Total.item<float>();
            if (!float.IsFinite(value))
            {
                throw Diverged(stage, "total", value);
            }

            result.Total.DividedBy(trainer._options.GradientAccumulation).backward();
            _rows += examples.Count;
            return value;
        }

        private TrainingDivergedException Diverged(TrainingStage stage, string term, double value)
        {
            var checkpoint = TrainingCheckpoint.Folder(trainer._options.OutputDirectory);
            return new TrainingDivergedException(stage.Name, State.StageStep + 1, term, value, Directory.Exists(checkpoint) ? checkpoint : null);
        }

        /// <summary>AdamW over the student and the stage's learned parameters; weight decay spares biases and norms.</summary>
        private (AdamWOptimizer Optimizer, IReadOnlyList<AdamWParameterGroup> Groups) Optimizer(TrainingStage stage, LossNeeds need)
        {
            var named = trainer._student.named_parameters()
                .Concat(stage.Loss.Terms.OfType<nn.Module>().SelectMany(m => m.named_parameters()))
                .Concat(need.Paths ? trainer._blockwise!.named_parameters() : [])
                .Where(p => p.parameter.requires_grad)
                .ToList();
            static bool NoDecay(string name) =>
                name.EndsWith("bias", StringComparison.Ordinal) || name.Contains("LayerNorm", StringComparison.Ordinal) || name.Contains("_bn", StringComparison.Ordinal) || name.Contains("bn1", StringComparison.Ordinal) || name.Contains("bn2", StringComparison.Ordinal);
            var optimizer = new AdamWOptimizer(
            [
                new AdamWParameterGroup(named.Where(p => !NoDecay(p.name)).Select(p => p.parameter), stage.LearningRate, stage.WeightDecay),
                new AdamWParameterGroup(named.Where(p => NoDecay(p.name)).Select(p => p.parameter), stage.LearningRate, 0),
            ]);
            return (optimizer, optimizer.Groups);
        }

        private void LogStep(TrainingStage stage, int epoch, long totalSteps, double rate, double loss, Dictionary<string, double> terms, Stopwatch stageClock, long stepsAtStart)
        {
            var done = State.StageStep - stepsAtStart;
            var remaining = done > 0 ? TimeSpan.FromSeconds(stageClock.Elapsed.TotalSeconds / done * (totalSteps - State.StageStep)) : (TimeSpan?)null;
            var rowsPerSecond = _rows / Math.Max(1e-9, _clock.Elapsed.TotalSeconds);
            Log.Write(new MetricsLogStep
            {
                Stage = stage.Name, Epoch = epoch, Step = State.StageStep, GlobalStep = State.GlobalStep, Loss = loss, LearningRate = rate,
                RowsPerSecond = rowsPerSecond, Terms = terms,
            });
            progress?.Report(new TrainingProgress
            {
                Stage = stage.Name, Epoch = epoch, Step = State.StageStep, TotalSteps = totalSteps, Loss = loss, Terms = terms,
                LearningRate = rate, RowsPerSecond = rowsPerSecond, Remaining = remaining,
            });
        }

        private void Evaluate(TrainingStage stage, int epoch)
        {
            var options = trainer._options;
            var metrics = StudentEvaluator.Evaluate(trainer._student, data.Dev!, options.BatchSize * 2, data.FeatureShape, _devTeacher.Value);
            var value = metrics.Get(options.SelectionMetric);
            var improved = State.BestMetric is not { } best || value > best;
            State = State with
            {
                Evaluations = [.. State.Evaluations, new EvaluationRecord(stage.Name, epoch, State.StageStep, metrics)],
                BestMetric = improved ? value : State.BestMetric,
                EvaluationsWithoutImprovement = improved ? 0 : State.EvaluationsWithoutImprovement + 1,
            };
            if (improved)
            {
                StudentCheckpoint.Save(trainer._student, Path.Combine(options.OutputDirectory, "best"),
                    new StudentCheckpointInfo { Labels = data.Labels, VocabularyHash = data.VocabularyHash }, overwrite: true);
            }

            if (options.EarlyStoppingPatience is { } patience && State.EvaluationsWithoutImprovement >= patience)
            {
                State = State with { StoppedEarly = true, EarlyStoppedStages = [.. State.EarlyStoppedStages, stage.Name] };
            }

            Log.Write(new MetricsLogEvaluation
            {
                Stage = stage.Name, Epoch = epoch, Step = State.StageStep, GlobalStep = State.GlobalStep, Accuracy = metrics.Accuracy,
                MacroF1 = metrics.MacroF1, LogLoss = metrics.LogLoss, TeacherAgreement = metrics.TeacherAgreement, Best = improved,
            });
            progress?.Report(new TrainingProgress
            {
                Stage = stage.Name, Epoch = epoch, Step = State.StageStep, TotalSteps = State.StageStep, Evaluation = metrics,
            });

            // The epoch's and the evaluation's garbage is finalized here, not during the next steps' native calls.
            Platform.NativeGarbage.Drain();
        }

        private static IReadOnlyList<int>? DevTeacherPredictions(TrainingData data)
        {
            if (data.DevTeacher is not { } cache || data.Dev is null)
            {
                return null;
            }

            return cache.PredictedClasses(data.Dev.Select(e => (e.RowId, e.AugmentationId)));
        }
    }
}
