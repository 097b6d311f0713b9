using Distill.Metrics;
using System.Diagnostics;
using System.Text.Json;
using Distill.Cache;
using Distill.Data;
using Distill.Evaluation;
using Distill.Export;
using Distill.Losses;
using Distill.Platform;
using Distill.Students;
using Distill.Students.Checkpoints;
using Distill.Teacher;
using Distill.Text;
using Distill.Training;
using Google.Protobuf;
using TorchSharp;
using static TorchSharp.torch;

namespace Distill.Recipes.Internal;

/// <summary>The state of one recipe run: encoders, the teacher and its caches, the trained students.</summary>
internal sealed class RunContext : IDisposable
{
    private const string ResultFile = "result.json";
    private readonly Recipe _recipe;
    private readonly RecipeData _data;
    private readonly string? _teacherPath;
    private readonly IRecipeObserver _observer;
    private readonly TextEncoder? _studentEncoder;
    private readonly TextEncoder? _teacherEncoder;
    private readonly StudentOptions _studentOptions;
    private readonly PretrainedStart? _pretrained;
    private readonly List<EvaluatedRun> _runs = [];
    private EvaluatedTeacher? _evaluatedTeacher;
    private int? _exportedSeed;
    private TeacherCache? _trainCache;
    private TeacherCache? _devCache;
    private TeacherCache? _testCache;

    public RunContext(Recipe recipe, RecipeData data, string? teacherPath, IRecipeObserver observer)
    {
        _recipe = recipe;
        _data = data;
        _teacherPath = teacherPath;
        _observer = observer;
        if (data.FeatureShape is { } featureShape)
        {
            // Float features: no tokenizers; the student's input size follows the data.
            _studentOptions = RecipeStudents.FloatOptions(recipe, data.Labels.Count, featureShape);
        }
        else
        {
            if (recipe.Teacher is { } teacher)
            {
                _teacherEncoder = TextEncoder.Create(new TextEncoderOptions { VocabPath = teacher.Vocab, LowerCase = teacher.LowerCase, MaxLength = teacher.MaxLength });
            }

            if (recipe.Student.InitFromPretrained)
            {
                _pretrained = PretrainedStart.Load(recipe.Student.InitFrom!, observer.Notice);
            }

            var studentVocab = recipe.Student.Vocab ?? _pretrained?.Vocab ?? recipe.Teacher?.Vocab ?? throw RecipeErrors.NoStudentVocab(recipe);
            var studentEncoder = TextEncoder.Create(new TextEncoderOptions
            {
                VocabPath = studentVocab,
                LowerCase = recipe.Teacher?.LowerCase ?? true,
                MaxLength = recipe.Student.MaxLength ?? recipe.Teacher?.MaxLength ?? 128,
            });
            _studentEncoder = studentEncoder;
            _studentOptions = _pretrained?.StudentOptions(recipe, data.Labels.Count, recipe.Student.InitLayers)
                ?? RecipeStudents.Options(recipe, data.Labels.Count, studentEncoder.VocabularySize);
            if (_pretrained is not null && _pretrained.Settings.VocabSize != studentEncoder.VocabularySize)
            {
                throw RecipeErrors.PretrainedVocabSize(recipe, studentVocab, studentEncoder.VocabularySize, _pretrained.Source, _pretrained.Settings.VocabSize);
            }
        }

        if (teacherPath is not null)
        {
            Teacher = LoadTeacher(teacherPath);
            CheckClasses(Teacher, data);
        }

        if (_pretrained is not null || recipe.Student.InitFromTeacherLayers is not null)
        {
            observer.Notice($"students start from {StudentStart}{(recipe.Baseline is null ? string.Empty : ", the label-only ones too")}");
        }
    }

    /// <summary>
    /// The teacher's class count, from its declared logits shape, against the data's labels: a mismatch would only show
    /// once the cache is built and training reads it, after the output folder was made.
    /// </summary>
    private static void CheckClasses(OnnxTeacher teacher, RecipeData data)
    {
        var logits = teacher.Inspection.Outputs.FirstOrDefault(o => o.Name == teacher.LogitsOutput);

        // A model that leaves the class dimension symbolic or undeclared is checked when its outputs are read.
        if (logits?.Shape is not { Count: > 0 } shape || shape[^1].Value is not { } classes || classes == data.Labels.Count)
        {
            return;
        }

        var labels = data.Labels.Count;
        throw RecipeErrors.TeacherClassCount(teacher.Path, classes, logits, labels, data.LabelNames);
    }

    /// <summary>The teacher, with the taps the loss terms read; null for a recipe without one.</summary>
    public OnnxTeacher? Teacher { get; }

    public TeacherSummary? TeacherSummary { get; private set; }

    public string? StudentOnnx { get; private set; }

    public string? ReportFile { get; private set; }

    /// <summary>The headline numbers of the report, once written.</summary>
    public RunSummary? Summary { get; private set; }

    /// <summary>The distilled students (the recipe's own stages) or the label-only ones, in seed order.</summary>
    public IReadOnlyList<StudentRunSummary> Runs(bool distilled) =>
        _runs.Where(r => r.Distilled == distilled && r.Variant is null).Select(r => r.Summary).ToList();

    /// <summary>The students of each variant, in the recipe's order.</summary>
    public IReadOnlyList<VariantRunSummary> VariantRuns() => _recipe.Variants
        .Select(v => new VariantRunSummary { Name = v.Name, Runs = _runs.Where(r => r.Variant == v.Name).Select(r => r.Summary).ToList() })
        .ToList();

    /// <summary>
    /// Caches the teacher's outputs: over the transfer set, the tensors the distillation terms read; over dev and
    /// test, the logits (the teacher's own metrics and the agreement with it).
    /// </summary>
    public void BuildTeacherCaches(CancellationToken cancellation)
    {
        if (Teacher is null)
        {
            return;
        }

        TeacherCache Build(TeacherCachePlan plan)
        {
            _observer.Phase($"teacher cache: {plan.Set}, {plan.Rows.Count:N0} rows ({string.Join(", ", plan.Tensors.Select(s => s.Name))})");
            var result = plan.Build(_recipe.Cache.Dir, progress: new InlineProgress<TeacherCacheProgress>(_observer.Cache), cancellation: cancellation);
            _observer.Notice(result.WasHit ? $"teacher cache {result.Key}: a hit, nothing recomputed" : $"teacher cache {result.Key}: {result.Built.Count} shards built, {result.Reused.Count} reused");
            return TeacherCache.Open(result.Folder);
        }

        var plans = PlanCaches();
        _trainCache = Build(plans[0]);
        _devCache = _data.Dev is null ? null : Build(plans.Single(p => p.Set == "dev"));
        _testCache = _data.Test is null ? null : Build(plans.Single(p => p.Set == "test"));
        var (dev, devProbabilities) = TeacherMetrics(_devCache, _data.Dev);
        var (test, testProbabilities) = TeacherMetrics(_testCache, _data.Test);
        _evaluatedTeacher = new EvaluatedTeacher(_teacherPath!, dev, devProbabilities, test, testProbabilities);
        TeacherSummary = new TeacherSummary { Model = _teacherPath!, Layers = Teacher.LayerCount, Dev = dev, Test = test };
        if (dev is not null)
        {
            _observer.Notice($"teacher on dev: accuracy {dev.Accuracy:P2}, macro-F1 {dev.MacroF1:F4}");
        }
    }

    /// <summary>
    /// The caches of the run: over the transfer set, the tensors the distillation terms read; over dev and test, the
    /// logits. Empty without a teacher.
    /// </summary>
    public IReadOnlyList<TeacherCachePlan> PlanCaches()
    {
        if (Teacher is null)
        {
            return [];
        }

        TeacherCachePlan Plan(string set, IReadOnlyList<DataRow> rows, IReadOnlyList<TeacherTensorId> tensors)
        {
            var options = new TeacherCacheOptions
            {
                Tensors = TeacherCachePlanner.Specs(Teacher, tensors),
                ElementType = _recipe.Cache.Dtype == "float32" ? CacheElementType.Float32 : CacheElementType.Float16,
                RowsPerShard = _recipe.Cache.RowsPerShard,
                BatchSize = _recipe.Cache.BatchSize,
                FeatureShape = _data.FeatureShape,
            };
            return _teacherEncoder is null
                ? TeacherCachePlanner.PlanFeatures(set, Teacher, _teacherPath!, rows, options)
                : TeacherCachePlanner.Plan(set, Teacher, _teacherPath!, rows, _teacherEncoder, options);
        }
        // Ordered by name, as caches have always been keyed.
        var plans = new List<TeacherCachePlan> { Plan("transfer set", _data.Transfer, _neededTensors.OrderBy(t => t.Name, StringComparer.Ordinal).ToList()) };
        if (_data.Dev is not null)
        {
            plans.Add(Plan("dev", _data.Dev, [TeacherTensorId.Logits]));
        }

        if (_data.Test is not null)
        {
            plans.Add(Plan("test", _data.Test, [TeacherTensorId.Logits]));
        }

        return plans;
    }

    /// <summary>What the students start from, for the plan and the report.</summary>
    public string StudentStart => _pretrained is not null
        ? _pretrained.Describe(_recipe.Student.InitLayers, (TransformerStudentOptions)_studentOptions)
        : _recipe.Student.InitFromTeacherLayers is { } layers
            ? $"teacher layers {string.Join(", ", layers)}" + (_studentOptions is TransformerStudentOptions s && TeacherSettings() is { } t
                && (t.Hidden > s.Hidden || t.Heads > s.Heads || t.Intermediate > s.Intermediate)
                ? $", thinned by weight selection to hidden {s.Hidden}, {s.Heads} heads, intermediate {s.Intermediate}"
                : string.Empty)
            : "random weights";

    /// <summary>The student's options, as the recipe resolves them.</summary>
    public StudentOptions StudentOptions => _studentOptions;

    /// <summary>The encoder of the student's inputs.</summary>
    public TextEncoder? StudentEncoder => _studentEncoder;

    /// <summary>The teacher's hidden size when its file does not exist yet (from the recipe that will train it).</summary>
    public int? TeacherHiddenHint { get; set; }

    /// <summary>The loss of each stage of the recipe (or of <paramref name="variant"/>), as text (<c>name: L = ...</c>).</summary>
    public IReadOnlyList<string> StageFormulas(VariantSettings? variant = null)
    {
        // Before the teacher exists (a dry run ahead of its recipe) its width comes from the teacher recipe.
        var studentHidden = (_studentOptions as TransformerStudentOptions)?.Hidden;
        var context = new LossBuildContext { StudentHidden = studentHidden, TeacherHidden = TeacherHidden() ?? TeacherHiddenHint ?? studentHidden, OnWarning = _ => { } };
        return (variant?.Stages ?? _recipe.Stages).Select(stage =>
        {
            var loss = RecipeStudents.Loss(_recipe, stage, context);
            var text = $"{stage.Name}: {loss}";
            foreach (var term in loss.Terms.OfType<IDisposable>())
            {
                term.Dispose();
            }

            return text;
        }).ToList();
    }

    /// <summary>
    /// Trains one student (distilled by the recipe's stages or by <paramref name="variant"/>'s, or label-only) in
    /// <paramref name="folder"/>, or reads it back when already finished.
    /// </summary>
    public void TrainStudent(string folder, int seed, bool distilled, CancellationToken cancellation, VariantSettings? variant = null)
    {
        var resultPath = Path.Combine(folder, ResultFile);
        var label = _recipe.Teacher is null ? $"{_recipe.Name}, seed {seed}"
            : variant is not null ? $"variant {variant.Name}, seed {seed}"
            : $"{(distilled ? "distilled student" : "label-only student")}, seed {seed}";
        if (File.Exists(resultPath))
        {
            _observer.Notice($"{label}: finished in an earlier run, kept");
            _runs.Add(new EvaluatedRun(distilled, JsonSerializer.Deserialize<StudentRunSummary>(File.ReadAllText(resultPath), Json)!, null, null, variant?.Name));
            return;
        }

        var stageSettings = variant?.Stages ?? _recipe.Stages;
        var blockwiseNeeded = distilled && stageSettings.Any(s => s.Losses.Any(l => l.Type == "blockwise_logit"));

        _observer.Phase(label);
        NativeGarbage.Drain();
        var clock = Stopwatch.StartNew();
        using var run = StudentTrainingRun.Create(_studentOptions, seed);
        var student = run.Student;

        // Distilled and label-only students start from the same weights, so that the gain measures distillation alone.
        using var teacherModule = blockwiseNeeded || _recipe.Student.InitFromTeacherLayers is not null ? ImportTeacher() : null;
        if (_recipe.Student.InitFromTeacherLayers is { } layers && student is TransformerStudent transformer && teacherModule is not null)
        {
            // Weight selection: a student as wide as the teacher takes its layers whole (DistilBERT), a narrower one thinned.
            TransformerWidthSelection.CopyInto(teacherModule, transformer, layers, copyClassifier: true, _recipe.Student.InitFeedForwardUnits);
        }

        if (_pretrained is not null && student is TransformerStudent fromPretrained)
        {
            _pretrained.CopyInto(fromPretrained, _recipe.Student.InitLayers, _recipe.Student.InitFeedForwardUnits);
        }

        var context = new LossBuildContext
        {
            StudentHidden = (_studentOptions as TransformerStudentOptions)?.Hidden,
            TeacherHidden = TeacherHidden(),
            OnWarning = _observer.Notice,
        };
        var stages = distilled || Teacher is null ? RecipeStudents.Stages(_recipe, stageSettings, context) : [RecipeStudents.Baseline(_recipe.Baseline!)];
        using var blockwise = blockwiseNeeded ? new BlockwiseDistillation(teacherModule!, (TransformerStudentOptions)_studentOptions) : null;
        var trainRows = distilled ? _data.Transfer : _data.Train;
        var data = new TrainingData
        {
            Train = Examples(trainRows),
            Dev = _data.Dev is null ? null : Examples(_data.Dev),
            Labels = _data.LabelNames,
            Teacher = distilled && _trainCache is not null ? TeacherTargets.FromCache(_trainCache) : null,
            DevTeacher = _devCache,
            VocabularyHash = _studentEncoder?.VocabularyHash,
            FeatureShape = _data.FeatureShape,
        };
        var result = run.Train(RecipeStudents.Training(_recipe, folder, seed), stages, data, blockwise,
            new InlineProgress<TrainingProgress>(p => _observer.Training(label, p)), cancellation);
        foreach (var term in stages.SelectMany(s => s.Loss.Terms).OfType<IDisposable>())
        {
            term.Dispose();
        }

        var summary = new StudentRunSummary
        {
            Seed = seed,
            Folder = folder,
            Dev = result.Best?.Metrics,
            DevAccuracyPerEpoch = result.Evaluations.Select(e => e.Metrics.Accuracy).ToList(),
            TrainingTime = clock.Elapsed,
            Steps = result.Steps,
            Parameters = student.ParameterCount,
        };
        File.WriteAllText(resultPath, JsonSerializer.Serialize(summary, Json));
        NativeGarbage.Drain();
        _runs.Add(new EvaluatedRun(distilled, summary, null, null, variant?.Name));
        if (summary.Dev is { } dev)
        {
            _observer.Notice($"{label}: best dev accuracy {dev.Accuracy:P2} in {clock.Elapsed.TotalMinutes:F1} min");
        }
    }

    /// <summary>Dev and test metrics of every student's best checkpoint.</summary>
    public void Evaluate()
    {
        _observer.Phase("evaluation");
        NativeGarbage.Drain();
        var devTeacher = TeacherPredictions(_devCache, _data.Dev);
        var testTeacher = TeacherPredictions(_testCache, _data.Test);
        var devExamples = _data.Dev is null ? null : Examples(_data.Dev);
        var testExamples = _data.Test is null ? null : Examples(_data.Test);
        for (var i = 0; i < _runs.Count; i++)
        {
            var run = _runs[i];
            var scores = CheckpointEvaluation.Evaluate(Path.Combine(run.Summary.Folder, "best"), _data.FeatureShape, (devExamples, devTeacher), (testExamples, testTeacher));
            _runs[i] = run with
            {
                Summary = run.Summary with { Dev = scores[0]?.Metrics, Test = scores[1]?.Metrics },
                DevProbabilities = scores[0]?.Probabilities,
                TestProbabilities = scores[1]?.Probabilities,
            };
        }
    }

    /// <summary>
    /// Exports the best student (distilled when there is a teacher) to ONNX and checks the export against TorchSharp
    /// on dev rows in ONNX Runtime.
    /// </summary>
    public void Export(string output)
    {
        if (!_recipe.Export.Onnx)
        {
            return;
        }

        var candidates = Runs(distilled: Teacher is not null);
        var best = candidates.MaxBy(r => r.Dev?.Get(_recipe.Training.SelectionMetric) ?? 0)
            ?? throw RecipeErrors.NothingToExport();
        var path = _recipe.Export.Path ?? Path.Combine(output, "student.onnx");
        _observer.Phase($"export: the student of seed {best.Seed} to {path}");
        using var model = StudentCheckpoint.Load(Path.Combine(best.Folder, "best")).Model;
        var export = VerifiedOnnxExport.Export(model, path, new OnnxExportOptions
        {
            Opset = _recipe.Export.Opset, Labels = _data.LabelNames, VocabularyHash = _studentEncoder?.VocabularyHash, Overwrite = true,
        }, Examples(_data.Dev ?? _data.Train).Take(64).ToList(), _data.FeatureShape);
        _observer.Notice($"exported {path}; ONNX Runtime matches TorchSharp to {export.LargestDifference:G2} on {export.Rows} rows");
        StudentOnnx = path;
        _exportedSeed = best.Seed;
    }

    /// <summary>Writes the report (benchmark included) into <c>output/report</c>.</summary>
    public void WriteReport(string output, TimeSpan elapsed)
    {
        if (_evaluatedTeacher is null)
        {
            // A recipe without a teacher (the teacher's own recipe) has nothing to compare against; its numbers are in run.json.
            return;
        }

        var stages = StageFormulas();
        var written = RecipeReport.Write(new RecipeReport.Inputs
        {
            Recipe = _recipe, Data = _data, Teacher = _evaluatedTeacher, Runs = _runs, Stages = stages,
            StudentOnnx = StudentOnnx, ExportedSeed = _exportedSeed, Elapsed = elapsed, StudentStart = StudentStart,
            VariantStages = _recipe.Variants.ToDictionary(v => v.Name, v => StageFormulas(v)),
        }, output, _observer);
        ReportFile = written?.Markdown;
        Summary = written?.Summary;
    }

    public void Dispose()
    {
        Teacher?.Dispose();
        _pretrained?.Dispose();
        _trainCache?.Dispose();
        _devCache?.Dispose();
        _testCache?.Dispose();
    }

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    private readonly Dictionary<IReadOnlyList<DataRow>, List<StudentExample>> _encoded = new(ReferenceEqualityComparer.Instance);

    /// <summary>The rows encoded for the student, once per row list: every seed, the evaluation and the export reuse them.</summary>
    private List<StudentExample> Examples(IReadOnlyList<DataRow> rows)
    {
        if (!_encoded.TryGetValue(rows, out var examples))
        {
            examples = StudentExample.FromRows(rows, _studentEncoder, _data.Labels);
            _encoded[rows] = examples;
        }

        return examples;
    }

    private OnnxTeacher LoadTeacher(string path)
    {
        // Which taps the terms read follows from the stages and the teacher's layer count, found by a first inspection.
        var inspection = TeacherGraph.Inspect(path);
        // A CNN teacher's "layers", for pairing stages, are its feature maps.
        var layers = inspection.Layers.Count > 0 ? inspection.Layers.Count : inspection.FeatureMaps.Count;
        var context = new LossBuildContext
        {
            StudentHidden = (_studentOptions as TransformerStudentOptions)?.Hidden,
            TeacherHidden = inspection.HiddenStates.FirstOrDefault()?.Width is { } width ? (int)width : null,
            OnWarning = _ => { },
        };
        var needed = new SortedSet<TeacherTensorId>();
        // The transfer-set cache serves every student of the run: the recipe's stages and each variant's.
        foreach (var stage in _recipe.Stages.Concat(_recipe.Variants.SelectMany(v => v.Stages)))
        {
            var loss = RecipeStudents.Loss(_recipe, stage, context);
            needed.UnionWith(TeacherTensorNeeds.Of(stage.Name, loss, _studentOptions, layers > 0 ? layers : null, path));
            foreach (var term in loss.Terms.OfType<IDisposable>())
            {
                term.Dispose();
            }
        }

        var inputs = _recipe.Teacher!.Inputs.ToDictionary(p => p.Key, p => TeacherInputNames.TryParse(p.Value, out var kind) ? kind
            : throw RecipeErrors.BadTeacherInput(_recipe, p.Key, p.Value));
        _neededTensors = needed;
        return OnnxTeacher.Load(path, TeacherCachePlanner.WithTaps(new OnnxTeacherOptions
        {
            Device = DeviceSetting.Parse(_recipe.Device, _recipe.Where("device")),
            InputMap = inputs,
            HasSegmentIds = _recipe.Data.Text.Count == 2,
            OnNotice = _observer.Notice,
        }, needed));
    }

    private SortedSet<TeacherTensorId> _neededTensors = [];

    private int? TeacherHidden() => Teacher?.Inspection.HiddenStates.FirstOrDefault()?.Width is { } width ? (int)width : null;

    private TransformerStudent ImportTeacher()
    {
        var imported = OnnxTransformerImport.Import(_teacherPath!, new OnnxTransformerImportOptions { Heads = _recipe.Teacher!.Heads });
        _teacherSettings = imported.Model.Settings;
        return imported.Model;
    }

    private TransformerStudentOptions? _teacherSettings;

    /// <summary>The teacher's transformer settings, imported once (null without a teacher file).</summary>
    private TransformerStudentOptions? TeacherSettings()
    {
        if (_teacherSettings is null && _teacherPath is not null && Teacher is not null)
        {
            ImportTeacher().Dispose();
        }

        return _teacherSettings;
    }

    private (ClassificationMetrics? Metrics, float[][]? Probabilities) TeacherMetrics(TeacherCache? cache, IReadOnlyList<DataRow>? rows)
    {
        if (cache is null || rows is null)
        {
            return (null, null);
        }

        return TeacherEvaluation.FromCache(cache, rows.Select(r => (r.Id, r.AugmentationId)).ToList(), rows.Select(r => _data.Labels.GetId(r.Label!)).ToList());
    }

    private static IReadOnlyList<int>? TeacherPredictions(TeacherCache? cache, IReadOnlyList<DataRow>? rows) =>
        cache is null || rows is null ? null : cache.PredictedClasses(rows.Select(r => (r.Id, r.AugmentationId)));
}
