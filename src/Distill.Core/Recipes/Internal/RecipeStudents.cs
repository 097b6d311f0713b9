using System.Collections;
using System.Globalization;
using System.Text.Json.Nodes;
using Distill.Losses;
using Distill.Students;
using Distill.Training;

namespace Distill.Recipes.Internal;

/// <summary>Turns a recipe's student, stage and baseline settings into the engine's objects.</summary>
internal static class RecipeStudents
{
    private static readonly string[] TextArchitectures = ["transformer", "bilstm", "text_cnn"];

    /// <summary>The student's options: its settings, the data's label count and, for text, the vocabulary's size (unless set).</summary>
    public static StudentOptions Options(Recipe recipe, int numLabels, int vocabSize)
    {
        var options = recipe.Student.ToOptions(numLabels);
        if (recipe.Student.Settings.ContainsKey("vocab_size"))
        {
            return options;
        }

        return options switch
        {
            TransformerStudentOptions transformer => transformer with { VocabSize = vocabSize },
            BiLstmStudentOptions bilstm => bilstm with { VocabSize = vocabSize },
            TextCnnStudentOptions textCnn => textCnn with { VocabSize = vocabSize },
            _ => options,
        };
    }

    /// <summary>
    /// The student of a recipe over float features of <paramref name="featureShape"/>: an MLP reads them as one vector
    /// (its input size is their count), an image CNN as [channels, height, width] (its input channels the first);
    /// settings the recipe gives win.
    /// </summary>
    /// <exception cref="DistillException">The architecture reads text, or an image CNN gets features that are not 3-D.</exception>
    public static StudentOptions FloatOptions(Recipe recipe, int numLabels, IReadOnlyList<int> featureShape)
    {
        var options = recipe.Student.ToOptions(numLabels);
        var settings = recipe.Student.Settings;
        return options switch
        {
            MlpStudentOptions mlp => settings.ContainsKey("input_size") ? mlp : mlp with { InputSize = featureShape.Aggregate(1, (a, d) => a * d) },
            ImageCnnStudentOptions cnn when featureShape.Count == 3 => settings.ContainsKey("input_channels") ? cnn : cnn with { InputChannels = featureShape[0] },
            ImageCnnStudentOptions => throw RecipeErrors.ImageCnnNeedsImageShape(recipe, featureShape),
            _ => throw RecipeErrors.StudentReadsText(recipe, options.ArchitectureName),
        };
    }

    /// <summary>The weighted sum of a stage's terms.</summary>
    public static WeightedLossSum Loss(Recipe recipe, StageSettings stage, LossBuildContext context)
    {
        var registry = LossRegistry.CreateDefault();
        var sum = new WeightedLossSum();
        foreach (var term in stage.Losses)
        {
            ILossTerm built;
            try
            {
                built = registry.Create(term.Type, term.Settings, context);
            }
            catch (ArgumentException e)
            {
                throw RecipeErrors.BadLossTerm(recipe, term.KeyPath, e);
            }

            var schedule = term.WarmupEpochs is { } epochs ? WeightSchedule.LinearWarmupEpochs(term.Weight, epochs)
                : term.WarmupSteps is { } steps ? WeightSchedule.LinearWarmupSteps(term.Weight, steps)
                : WeightSchedule.Constant(term.Weight);
            sum.Add(built, schedule);
        }

        return sum;
    }

    /// <summary>The training stages of <paramref name="stages"/> (the recipe's own, or a variant's).</summary>
    public static IReadOnlyList<TrainingStage> Stages(Recipe recipe, IReadOnlyList<StageSettings> stages, LossBuildContext context) =>
        stages.Select(stage => new TrainingStage
        {
            Name = stage.Name,
            Loss = Loss(recipe, stage, context),
            Epochs = stage.Epochs,
            MaxSteps = stage.MaxSteps,
            LearningRate = stage.LearningRate,
            WarmupFraction = stage.Warmup,
            Decay = stage.Decay switch { "cosine" => LearningRateDecay.Cosine, "constant" => LearningRateDecay.Constant, _ => LearningRateDecay.Linear },
            WeightDecay = stage.WeightDecay,
        }).ToList();

    /// <summary>The label-only baseline: cross-entropy on the labelled rows, as one stage.</summary>
    public static TrainingStage Baseline(BaselineSettings baseline) => new()
    {
        Name = "baseline",
        Loss = new WeightedLossSum().Add(new LabelCrossEntropyLoss()),
        Epochs = baseline.Epochs,
        LearningRate = baseline.LearningRate,
        WarmupFraction = baseline.Warmup,
    };

    public static TrainingOptions Training(Recipe recipe, string output, int seed) => new()
    {
        OutputDirectory = output,
        BatchSize = recipe.Training.BatchSize,
        GradientAccumulation = recipe.Training.GradientAccumulation,
        MaxGradNorm = recipe.Training.MaxGradNorm,
        EarlyStoppingPatience = recipe.Training.Patience,
        SelectionMetric = recipe.Training.SelectionMetric,
        CheckpointEverySteps = recipe.Training.CheckpointEvery,
        LogEverySteps = recipe.Training.LogEvery,
        Freeze = recipe.Training.Freeze,
        Seed = seed,
        Resume = true,
        Device = Platform.DeviceSetting.Parse(recipe.Device, recipe.Where("device")),
    };
}
