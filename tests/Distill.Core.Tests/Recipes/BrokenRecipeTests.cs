using Distill.Recipes;
using Distill.TestSupport;

namespace Distill.Core.Tests.Recipes;

/// <summary>
/// The recipes in Broken/, each wrong in one way (several-errors.yaml in several), with the exact lines the loader
/// must answer. They read SST-2 and the vocabulary from the shared data through ${DISTILL_DATA_DIR}, and the teacher
/// from ${MODELS}, a folder this test makes.
/// </summary>
public sealed class BrokenRecipeTests : IDisposable
{
    private readonly RecipeFolder _models = new();

    public void Dispose() => _models.Dispose();

    private static string Folder => Path.Combine(SharedData.RepositoryRoot, "tests", "Distill.Core.Tests", "Recipes", "Broken");

    private static string Data => SharedData.Directory;

    private static IReadOnlyDictionary<string, string[]> Expected => new Dictionary<string, string[]>
    {
        ["malformed-yaml.yaml"] =
        [
            "malformed-yaml.yaml:5:7 malformed YAML: While scanning a plain scalar value, found invalid mapping.",
        ],
        ["unknown-key.yaml"] =
        [
            "unknown-key.yaml:16 training.batchsize is not a key of training; did you mean 'batch_size'? Valid keys: batch_size, " +
            "gradient_accumulation, max_grad_norm, patience, selection_metric, checkpoint_every, log_every, freeze",
        ],
        ["wrong-type.yaml"] =
        [
            "wrong-type.yaml:23 stages[1].epochs must be a whole number (was 'three')",
        ],
        ["missing-file.yaml"] =
        [
            $"missing-file.yaml:5 data.dev file not found: {Path.GetFullPath(Path.Combine(Data, "sst2", "validation.tsv"))}; " +
            $"put the files there or run `distill data get sst2` (DISTILL_DATA_DIR={Data})",
        ],
        ["out-of-range.yaml"] =
        [
            "out-of-range.yaml:26 stages[1].losses[0].temperature must be > 0 (was 0)",
        ],
        ["unknown-loss.yaml"] =
        [
            "unknown-loss.yaml:25 stages[1].losses[0].type Unknown loss 'kld'. Known: ce, kd, dkd, at, attention_mse, attention_kl, " +
            "value_relation, hidden_mse, cosine, blockwise_logit; did you mean 'kd'?",
        ],
        ["unknown-student-setting.yaml"] =
        [
            "unknown-student-setting.yaml:14 student.intermediat is not a key of student; did you mean 'intermediate'? Valid keys: " +
            "architecture, vocab, max_length, init, vocab_size, max_positions, type_vocab_size, layers, hidden, heads, intermediate, " +
            "hidden_dropout, attention_dropout, layer_norm_eps, activation, pooling, num_labels",
        ],
        ["yaml-tag.yaml"] =
        [
            "yaml-tag.yaml:2 name has the YAML tag '!!python/object/apply:os.system'; tags are not allowed, because a recipe is data " +
            "and never creates objects or runs code: remove the tag (quote the value if it is text)",
        ],
        ["several-errors.yaml"] =
        [
            "several-errors.yaml:5 data.dev must be a string (was a list)",
            "several-errors.yaml:7 teacher.model uses ${MODEL_DIR}, which is not set; set it with --set MODEL_DIR=value or the " +
            "environment variable MODEL_DIR, or give a default: ${MODEL_DIR:-value}",
            "several-errors.yaml:10 student.architecture is unknown (was 'transformr'); did you mean 'transformer'? Known: " +
            "transformer, bilstm, text_cnn, mlp, image_cnn",
            "several-errors.yaml:16 training.batch_size must be >= 1 (was 0)",
            "several-errors.yaml:19 stages[0].epochs must be >= 1 (was 0)",
            "several-errors.yaml:20 stages[0].decay must be linear, cosine or constant (was 'step')",
            "several-errors.yaml:27 stages[1].losses[0].temprature Loss 'kd' has no setting 'temprature'. Known: temperature, " +
            "teacher_probabilities; did you mean 'temperature'?",
        ],
    };

    public static TheoryData<string> Files => new(Directory.GetFiles(Folder, "*.yaml").Select(f => Path.GetFileName(f)).Order());

    [Theory]
    [MemberData(nameof(Files))]
    public void Load_Should_GiveTheExpectedErrors_When_TheRecipeIsBroken(string file)
    {
        var act = () => RecipeLoader.Load(Path.Combine(Folder, file), environment: Environment());

        var error = act.Should().Throw<RecipeException>().Which;
        error.Errors.Should().Equal(Expected[file]);
        error.Message.Should().ContainAll(Expected[file]);
    }

    [Fact]
    public void Broken_Should_HoldOneFilePerExpectation_When_ListedHere()
    {
        Directory.GetFiles(Folder, "*.yaml").Select(f => Path.GetFileName(f)).Should().BeEquivalentTo(Expected.Keys);
    }

    [Fact]
    public void Load_Should_Succeed_When_TheBrokenRecipesAreMended()
    {
        // The broken recipes differ from a good one only where they are meant to: mend the one-line faults back.
        var mended = File.ReadAllText(Path.Combine(Folder, "unknown-key.yaml")).Replace("batchsize:", "batch_size:");
        var path = Path.Combine(_models.Root, "mended.yaml");
        File.WriteAllText(path, mended);

        var recipe = RecipeLoader.Load(path, environment: Environment());

        recipe.Training.BatchSize.Should().Be(32);
        recipe.Data.Train.Should().Be(Path.GetFullPath(Path.Combine(Data, "sst2", "train.tsv")));
        recipe.Teacher!.Model.Should().Be(Path.Combine(_models.Root, "models", "teacher.onnx"));
        recipe.Stages.Select(s => s.Name).Should().Equal("general", "task");
    }

    private Dictionary<string, string> Environment() => new()
    {
        ["DISTILL_DATA_DIR"] = Data,
        ["MODELS"] = Path.Combine(_models.Root, "models"),
    };
}
