using Distill.Recipes;
using Distill.Students;
using Distill.TestSupport;

namespace Distill.Core.Tests.Recipes;

public sealed class RecipeLoaderTests : IDisposable
{
    /// <summary>Every key of the format, each with a value other than its default.</summary>
    public const string FullRecipe = """
        name: bert-to-tiny
        seeds: [1, 2, 3]
        output: out/tiny
        device: cpu
        data:
          train: data/train.tsv
          dev: data/dev.tsv
          test: data/test.tsv
          format: tsv
          has_header: false
          delimiter: "\t"
          text: [sentence, second]
          label: label
          labels: ["0", "1"]
          label_names: [negative, positive]
          limit: 2000
          dev_limit: 500
          augment:
            copies: 4
            mask: 0.2
            swap: 0.05
            ngram: 0.3
            seed: 7
            unlabelled: [data/unlabelled.txt]
        teacher:
          model: models/teacher.onnx
          vocab: models/vocab.txt
          lower_case: false
          max_length: 64
          inputs: {ids: input_ids, mask: attention_mask}
          heads: 12
        cache:
          dir: cache/here
          dtype: float32
          rows_per_shard: 512
          batch_size: 16
        student:
          architecture: transformer
          vocab: models/vocab.txt
          max_length: 48
          layers: 4
          hidden: 312
          heads: 12
          intermediate: 1200
          hidden_dropout: 0.2
        training:
          batch_size: 8
          gradient_accumulation: 2
          max_grad_norm: 0.5
          patience: 2
          selection_metric: macro_f1
          checkpoint_every: 100
          log_every: 5
        stages:
          - name: general
            epochs: 2
            max_steps: 1000
            learning_rate: 1e-4
            warmup: 0.05
            decay: cosine
            weight_decay: 0
            losses:
              - type: attention_mse
                layers: [2, 5, 8, 11]
              - type: hidden_mse
                weight: 0.5
                warmup_steps: 100
          - losses:
              - type: kd
                temperature: 2
                warmup_epochs: 0.5
              - type: ce
        variants:
          - name: kd-only
            stages:
              - name: prediction
                epochs: 3
                learning_rate: 2e-4
                losses:
                  - type: kd
                    temperature: 4
        baseline:
          epochs: 2
          learning_rate: 3e-5
          warmup: 0
        export:
          onnx: false
          opset: 18
          path: exported/student.onnx
        report:
          bench: false
          bench_sequence: 32
        """;

    /// <summary>Only what is required.</summary>
    public const string MinimalRecipe = """
        data:
          train: data/train.tsv
        teacher:
          model: models/teacher.onnx
          vocab: models/vocab.txt
        student:
          architecture: bilstm
        stages:
          - losses: [{type: kd}]
          - losses:
              - type: ce
        """;

    private static readonly Dictionary<string, string> NoEnvironment = new();

    private readonly RecipeFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Load_Should_ReadEveryField_When_TheRecipeSetsThemAll()
    {
        var path = _folder.Write("bert-to-tiny.yaml", FullRecipe);

        var recipe = RecipeLoader.Load(path, environment: NoEnvironment);

        recipe.Name.Should().Be("bert-to-tiny");
        recipe.Path.Should().Be(path);
        recipe.Seeds.Should().Equal(1, 2, 3);
        recipe.Device.Should().Be("cpu");
        recipe.Data.Should().BeEquivalentTo(new DataSettings
        {
            Train = _folder.PathOf("data", "train.tsv"),
            Dev = _folder.PathOf("data", "dev.tsv"),
            Test = _folder.PathOf("data", "test.tsv"),
            Format = "tsv",
            HasHeader = false,
            Delimiter = "\t",
            Text = ["sentence", "second"],
            Label = "label",
            Labels = ["0", "1"],
            LabelNames = ["negative", "positive"],
            Limit = 2000,
            DevLimit = 500,
            Augment = new AugmentSettings
            {
                Copies = 4, Mask = 0.2, Swap = 0.05, Ngram = 0.3, Seed = 7, Unlabelled = [_folder.PathOf("data", "unlabelled.txt")],
            },
        });
        recipe.Teacher.Should().BeEquivalentTo(new TeacherSettings
        {
            Model = _folder.PathOf("models", "teacher.onnx"),
            Vocab = _folder.PathOf("models", "vocab.txt"),
            LowerCase = false,
            MaxLength = 64,
            Inputs = new Dictionary<string, string> { ["ids"] = "input_ids", ["mask"] = "attention_mask" },
            Heads = 12,
        });
        recipe.Cache.Should().Be(new CacheSettings { Dir = Path.GetFullPath("cache/here"), Dtype = "float32", RowsPerShard = 512, BatchSize = 16 });
        recipe.Student.Architecture.Should().Be("transformer");
        recipe.Student.Vocab.Should().Be(_folder.PathOf("models", "vocab.txt"));
        recipe.Student.MaxLength.Should().Be(48);
        recipe.Student.InitFromTeacherLayers.Should().BeNull();
        recipe.Student.Settings.Should().Equal(new Dictionary<string, object?>
        {
            ["layers"] = 4, ["hidden"] = 312, ["heads"] = 12, ["intermediate"] = 1200, ["hidden_dropout"] = 0.2,
        });
        recipe.Student.Settings.Values.Select(v => v!.GetType()).Should().Equal(typeof(int), typeof(int), typeof(int), typeof(int), typeof(double));
        recipe.Training.Should().Be(new TrainingSettings
        {
            BatchSize = 8, GradientAccumulation = 2, MaxGradNorm = 0.5, Patience = 2, SelectionMetric = "macro_f1", CheckpointEvery = 100, LogEvery = 5,
        });
        recipe.Baseline.Should().Be(new BaselineSettings { Epochs = 2, LearningRate = 3e-5, Warmup = 0 });
        recipe.Export.Should().Be(new ExportSettings { Onnx = false, Opset = 18, Path = Path.GetFullPath("exported/student.onnx") });
        recipe.Report.Should().Be(new ReportSettings { Bench = false, BenchSequence = 32 });
    }

    [Fact]
    public void Load_Should_ReadEachVariantsStages_When_TheRecipeHasVariants()
    {
        var path = _folder.Write("bert-to-tiny.yaml", FullRecipe);

        var recipe = RecipeLoader.Load(path, environment: NoEnvironment);

        recipe.Variants.Should().ContainSingle();
        var variant = recipe.Variants[0];
        variant.Name.Should().Be("kd-only");
        variant.Stages.Should().ContainSingle().Which.Should().BeEquivalentTo(new { Name = "prediction", Epochs = 3, LearningRate = 2e-4, Warmup = 0.1 });
        variant.Stages[0].Losses.Should().ContainSingle().Which.Should().BeEquivalentTo(new
        {
            Type = "kd", Weight = 1.0, KeyPath = "variants[0].stages[0].losses[0]", Settings = new Dictionary<string, object?> { ["temperature"] = 4 },
        });
        recipe.Lines["variants[0].stages[0].losses[0].temperature"].Should().Be(RecipeFolder.LineOf(FullRecipe, "temperature: 4"));
        RecipeLoader.Load(_folder.Write("minimal.yaml", MinimalRecipe), environment: NoEnvironment).Variants.Should().BeEmpty();
    }

    [Fact]
    public void Load_Should_ReadStagesAndLossTerms_When_TheRecipeSetsThem()
    {
        var path = _folder.Write("bert-to-tiny.yaml", FullRecipe);

        var stages = RecipeLoader.Load(path, environment: NoEnvironment).Stages;

        stages.Should().HaveCount(2);
        stages[0].Should().BeEquivalentTo(new
        {
            Name = "general", Epochs = 2, MaxSteps = 1000L, LearningRate = 1e-4, Warmup = 0.05, Decay = "cosine", WeightDecay = 0.0,
        });
        stages[0].Losses.Select(l => (l.Type, l.Weight, l.WarmupSteps, l.KeyPath)).Should().Equal(
            ("attention_mse", 1.0, null, "stages[0].losses[0]"),
            ("hidden_mse", 0.5, 100L, "stages[0].losses[1]"));
        stages[0].Losses[0].Settings.Should().ContainKey("layers").WhoseValue.Should().BeEquivalentTo(new List<object?> { 2, 5, 8, 11 });
        stages[0].Losses[1].Settings.Should().BeEmpty();
        stages[1].Name.Should().Be("stage2");
        stages[1].Losses[0].Should().BeEquivalentTo(new
        {
            Type = "kd", Weight = 1.0, WarmupEpochs = 0.5, KeyPath = "stages[1].losses[0]",
            Settings = new Dictionary<string, object?> { ["temperature"] = 2 },
        });
        stages[1].Losses[1].Type.Should().Be("ce");
    }

    [Fact]
    public void Load_Should_RecordTheLineOfEveryKey_When_TheRecipeLoads()
    {
        var path = _folder.Write("bert-to-tiny.yaml", FullRecipe);

        var recipe = RecipeLoader.Load(path, environment: NoEnvironment);

        recipe.Lines["name"].Should().Be(1);
        recipe.Lines["data.augment.copies"].Should().Be(RecipeFolder.LineOf(FullRecipe, "copies: 4"));
        recipe.Lines["data.augment.unlabelled[0]"].Should().Be(RecipeFolder.LineOf(FullRecipe, "unlabelled:"));
        recipe.Lines["teacher.inputs.ids"].Should().Be(RecipeFolder.LineOf(FullRecipe, "inputs:"));
        recipe.Lines["student.hidden"].Should().Be(RecipeFolder.LineOf(FullRecipe, "hidden: 312"));
        recipe.Lines["stages[0]"].Should().Be(RecipeFolder.LineOf(FullRecipe, "- name: general"));
        recipe.Lines["stages[0].losses[1].warmup_steps"].Should().Be(RecipeFolder.LineOf(FullRecipe, "warmup_steps: 100"));
        recipe.Lines["stages[1].losses[0].temperature"].Should().Be(RecipeFolder.LineOf(FullRecipe, "temperature: 2"));
        recipe.Where("stages[1].losses[0].temperature").Should().Be($"bert-to-tiny.yaml:{RecipeFolder.LineOf(FullRecipe, "temperature: 2")} stages[1].losses[0].temperature");
        recipe.Lines.Should().NotContainKey("stages[1].name", "the key is not in the file");
    }

    [Fact]
    public void Load_Should_FillTheDefaults_When_TheRecipeGivesOnlyWhatIsRequired()
    {
        var path = _folder.Write("minimal.yaml", MinimalRecipe);

        var recipe = RecipeLoader.Load(path, environment: NoEnvironment);

        recipe.Name.Should().Be("minimal");
        recipe.Output.Should().Be(Path.GetFullPath(Path.Combine("runs", "minimal")));
        recipe.Seeds.Should().Equal(42);
        recipe.Device.Should().Be("auto");
        recipe.Data.Should().BeEquivalentTo(new DataSettings { Train = _folder.PathOf("data", "train.tsv") });
        recipe.Teacher!.LowerCase.Should().BeTrue();
        recipe.Teacher.MaxLength.Should().Be(128);
        recipe.Teacher.Recipe.Should().BeNull();
        recipe.Cache.Should().Be(new CacheSettings { Dir = Path.GetFullPath(Path.Combine(".distill", "cache")) });
        recipe.Student.Should().BeEquivalentTo(new StudentSettings { Architecture = "bilstm" });
        recipe.Training.Should().Be(new TrainingSettings());
        recipe.Stages.Select(s => s.Name).Should().Equal("stage1", "stage2");
        recipe.Stages.Select(s => (s.Epochs, s.LearningRate, s.Warmup, s.Decay, s.WeightDecay, s.MaxSteps))
            .Should().AllBeEquivalentTo((3, 5e-5, 0.1, "linear", 0.01, (long?)null));
        recipe.Stages.SelectMany(s => s.Losses).Select(l => l.KeyPath).Should().Equal("stages[0].losses[0]", "stages[1].losses[0]");
        recipe.Baseline.Should().BeNull();
        recipe.Export.Should().Be(new ExportSettings());
        recipe.Report.Should().Be(new ReportSettings());
    }

    [Fact]
    public void Load_Should_ResolveInputsAgainstTheRecipeFolder_When_RunFromAnotherFolder()
    {
        var nested = Directory.CreateDirectory(Path.Combine(_folder.Root, "recipes")).FullName;
        var path = Path.Combine(nested, "nested.yaml");
        File.WriteAllText(path, MinimalRecipe.Replace("data/", "../data/").Replace("models/", "../models/") + "\noutput: somewhere\n");

        var recipe = RecipeLoader.Load(path, environment: NoEnvironment);

        recipe.Data.Train.Should().Be(_folder.PathOf("data", "train.tsv"));
        recipe.Teacher!.Vocab.Should().Be(_folder.PathOf("models", "vocab.txt"));
        recipe.Output.Should().Be(Path.GetFullPath("somewhere"), "outputs go where the command runs, not beside the recipe");
    }

    [Fact]
    public void Load_Should_AcceptTheTeacherRecipe_When_TheTeacherModelDoesNotExistYet()
    {
        _folder.Write("teacher.yaml", "name: teacher\n");
        var path = _folder.Write("r.yaml", MinimalRecipe.Replace("model: models/teacher.onnx", "model: models/later.onnx\n  recipe: teacher.yaml"));

        var recipe = RecipeLoader.Load(path, environment: NoEnvironment);

        recipe.Teacher!.Model.Should().Be(_folder.PathOf("models", "later.onnx"));
        recipe.Teacher.Recipe.Should().Be(_folder.PathOf("teacher.yaml"));
    }

    [Fact]
    public void Load_Should_ReadTheSharedDataSets_When_DistillDataDirPointsAtThem()
    {
        const string yaml = """
            data:
              train: ${DISTILL_DATA_DIR:-../../shared/data}/sst2/train.tsv
              dev: ${DISTILL_DATA_DIR:-../../shared/data}/sst2/dev.tsv
            teacher:
              model: models/teacher.onnx
              vocab: ${DISTILL_DATA_DIR}/vocab/bert-base-uncased.txt
            student: {architecture: text_cnn}
            stages: [{losses: [{type: kd}]}]
            """;
        var path = _folder.Write("sst2.yaml", yaml);
        var environment = new Dictionary<string, string> { ["DISTILL_DATA_DIR"] = SharedData.Directory };

        var recipe = RecipeLoader.Load(path, environment: environment);

        recipe.Data.Train.Should().Be(Path.GetFullPath(SharedData.Path("sst2", "train.tsv")));
        recipe.Data.Dev.Should().Be(Path.GetFullPath(SharedData.Path("sst2", "dev.tsv")));
        recipe.Teacher!.Vocab.Should().Be(Path.GetFullPath(SharedData.Path("vocab", "bert-base-uncased.txt")));
    }

    [Fact]
    public void Load_Should_KeepTheTeacherLayers_When_TheStudentStartsFromThem()
    {
        var path = _folder.Write("init.yaml", MinimalRecipe.Replace("architecture: bilstm", "architecture: transformer\n  init: {from: teacher, layers: [0, 2, 4]}"));

        var student = RecipeLoader.Load(path, environment: NoEnvironment).Student;

        student.InitFromTeacherLayers.Should().Equal(0, 2, 4);
        student.Settings.Should().BeEmpty("init is not a setting of the options record");
    }

    [Fact]
    public void Load_Should_Fail_When_InitIsGivenToANonTransformerStudent()
    {
        var path = _folder.Write("init.yaml", MinimalRecipe.Replace("architecture: bilstm", "architecture: bilstm\n  init: {from: teacher, layers: [0, 2, 2]}"));

        var act = () => RecipeLoader.Load(path, environment: NoEnvironment);

        act.Should().Throw<RecipeException>().Which.Errors.Should().Equal(
            "init.yaml:8 student.init.layers lists teacher layer 2 twice; each layer can be copied once",
            "init.yaml:8 student.init works for transformer students only (student.architecture is bilstm); remove init");
    }

    [Fact]
    public void ToOptions_Should_BuildTheStudentsOptions_When_GivenTheNumberOfLabels()
    {
        var path = _folder.Write("bert-to-tiny.yaml", FullRecipe);
        var student = RecipeLoader.Load(path, environment: NoEnvironment).Student;

        var options = student.ToOptions(numLabels: 6);

        options.Should().Be(new TransformerStudentOptions { NumLabels = 6, Layers = 4, Hidden = 312, Heads = 12, Intermediate = 1200, HiddenDropout = 0.2 });
    }

    [Fact]
    public void ToOptions_Should_ListEveryProblem_When_TheSettingsAreBad()
    {
        var student = new StudentSettings
        {
            Architecture = "transformer",
            Settings = new Dictionary<string, object?> { ["hiden"] = 8, ["heads"] = "many" },
        };

        var act = () => student.ToOptions(numLabels: 2);

        act.Should().Throw<DistillException>().WithMessage(
            "Invalid student settings: student.hiden is not a setting of a transformer student; did you mean 'hidden'? *; " +
            "student.heads must be a whole number (was 'many')");
    }

    [Fact]
    public void Load_Should_Fail_When_TheRecipeFileDoesNotExist()
    {
        var missing = _folder.PathOf("nope.yaml");

        var act = () => RecipeLoader.Load(missing, environment: NoEnvironment);

        act.Should().Throw<RecipeException>().Which.Errors.Should().Equal($"nope.yaml recipe not found: {missing}; check the path");
    }

    [Fact]
    public void Load_Should_PutEveryErrorInTheMessage_When_ThereAreSeveral()
    {
        var path = _folder.Write("two.yaml", MinimalRecipe.Replace("architecture: bilstm", "architecture: bilstm\n  layers: 0\n  dropout: 1.5"));

        var error = FluentActions.Invoking(() => RecipeLoader.Load(path, environment: NoEnvironment)).Should().Throw<RecipeException>().Which;

        error.Kind.Should().Be(DistillErrorKind.InvalidInput);
        error.Errors.Should().Equal(
            "two.yaml:8 student.layers must be >= 1 (was 0)",
            "two.yaml:9 student.dropout must be in [0, 1) (was 1.5)");
        error.Message.Should().Be(string.Join(Environment.NewLine, ["two.yaml: 2 errors", .. error.Errors]));
    }
}
