using Distill.Recipes;

namespace Distill.Core.Tests.Recipes;

public sealed class RecipeOverrideTests : IDisposable
{
    private const string Recipe = """
        data:
          train: data/train.tsv
        teacher:
          model: models/teacher.onnx
          vocab: models/vocab.txt
        student:
          architecture: bilstm
          hidden_size: 150
        training:
          batch_size: 32
        stages:
          - epochs: 3
            losses: [{type: kd, temperature: 4}]
          - epochs: 2
            losses:
              - type: kd
                temperature: 2
              - type: ce
        profiles:
          quick:
            data.limit: 2000
            "stages[*].epochs": 1
            seeds: [1]
          full:
            seeds: [1, 2, 3, 4, 5]
        """;

    private static readonly Dictionary<string, string> NoEnvironment = new();

    private readonly RecipeFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string RecipePath => _folder.Write("r.yaml", Recipe);

    private RecipeException Failure(IEnumerable<string>? overrides = null, string? profile = null, string? yaml = null)
    {
        var path = yaml is null ? RecipePath : _folder.Write("r.yaml", yaml);
        return FluentActions.Invoking(() => RecipeLoader.Load(path, overrides, profile, NoEnvironment)).Should().Throw<RecipeException>().Which;
    }

    [Fact]
    public void Load_Should_SetNestedKeysAndListItems_When_GivenKeyPaths()
    {
        var recipe = RecipeLoader.Load(
            RecipePath,
            ["training.batch_size=8", "stages[1].losses[0].temperature=1.5", "stages[0].epochs=5", "student.hidden_size=64", "data.limit=10"],
            environment: NoEnvironment);

        recipe.Training.BatchSize.Should().Be(8);
        recipe.Stages[1].Losses[0].Settings["temperature"].Should().Be(1.5);
        recipe.Stages.Select(s => s.Epochs).Should().Equal(5, 2);
        recipe.Student.Settings["hidden_size"].Should().Be(64);
        recipe.Data.Limit.Should().Be(10, "a missing key is added");
        recipe.Lines["training.batch_size"].Should().Be(10, "the key is still on line 10 of the file");
        recipe.Lines.Should().NotContainKey("data.limit", "the key is not in the file");
    }

    [Fact]
    public void Load_Should_ParseAFlowList_When_AnOverrideSetsAList()
    {
        var recipe = RecipeLoader.Load(RecipePath, ["seeds=[1,2,3]", "stages[1].losses=[{type: ce}]"], environment: NoEnvironment);

        recipe.Seeds.Should().Equal(1, 2, 3);
        recipe.Stages[1].Losses.Select(l => l.Type).Should().Equal("ce");
    }

    [Fact]
    public void Load_Should_SetEveryItem_When_ThePathHasAWildcard()
    {
        var recipe = RecipeLoader.Load(RecipePath, ["stages[*].losses[0].weight=0.5"], environment: NoEnvironment);

        recipe.Stages.Select(s => s.Losses[0].Weight).Should().Equal(0.5, 0.5);
    }

    [Fact]
    public void Load_Should_ApplyTheProfile_When_OneIsChosen()
    {
        var recipe = RecipeLoader.Load(RecipePath, profile: "quick", environment: NoEnvironment);

        recipe.Data.Limit.Should().Be(2000);
        recipe.Stages.Select(s => s.Epochs).Should().Equal(1, 1);
        recipe.Seeds.Should().Equal(1);
        recipe.Lines["data.limit"].Should().Be(RecipeFolder.LineOf(Recipe, "data.limit: 2000"), "the value is written in the profile");
    }

    [Fact]
    public void Load_Should_LeaveTheRecipeAlone_When_NoProfileIsChosen()
    {
        var recipe = RecipeLoader.Load(RecipePath, environment: NoEnvironment);

        recipe.Data.Limit.Should().BeNull();
        recipe.Stages.Select(s => s.Epochs).Should().Equal(3, 2);
        recipe.Seeds.Should().Equal(42);
    }

    [Fact]
    public void Load_Should_LetSetWin_When_AProfileSetsTheSameKey()
    {
        var recipe = RecipeLoader.Load(RecipePath, ["seeds=[9]", "stages[1].epochs=4"], "quick", NoEnvironment);

        recipe.Seeds.Should().Equal(9);
        recipe.Stages.Select(s => s.Epochs).Should().Equal(1, 4);
    }

    [Fact]
    public void Load_Should_RenameTheRunAndItsOutput_When_NameIsSet()
    {
        var recipe = RecipeLoader.Load(RecipePath, ["name=quick-run"], environment: NoEnvironment);

        recipe.Name.Should().Be("quick-run");
        recipe.Output.Should().Be(Path.GetFullPath(Path.Combine("runs", "quick-run")));
    }

    [Fact]
    public void Load_Should_Fail_When_AnOverrideEditsAProfile()
    {
        Failure(["profiles.quick.seeds=[2]"]).Errors.Should().Equal(
            "r.yaml profiles.quick.seeds cannot be set: profiles are applied before --set, so edit the recipe or choose a profile " +
            "(from --set profiles.quick.seeds=[2])");
    }

    [Fact]
    public void Load_Should_SuggestTheKey_When_AnOverridePathIsMistyped()
    {
        Failure(["training.batchsize=8"]).Errors.Should().Equal(
            "r.yaml training.batchsize is not a key of training; did you mean 'batch_size'? Valid keys: batch_size, " +
            "gradient_accumulation, max_grad_norm, patience, selection_metric, checkpoint_every, log_every, freeze (from --set training.batchsize=8)");
    }

    [Fact]
    public void Load_Should_SuggestTheStudentSetting_When_AnOverrideMistypesIt()
    {
        Failure(["student.hiden_size=64"]).Errors.Should().ContainSingle().Which.Should()
            .StartWith("r.yaml student.hiden_size is not a key of student; did you mean 'hidden_size'? Valid keys: architecture, vocab, max_length, init, vocab_size, embedding_dim,")
            .And.EndWith("(from --set student.hiden_size=64)");
    }

    [Fact]
    public void Load_Should_Fail_When_AListItemDoesNotExist()
    {
        Failure(["stages[2].epochs=1"]).Errors.Should().Equal(
            "r.yaml stages[2] does not exist: stages has 2 items (stages[0] to stages[1]) (from --set stages[2].epochs=1)");
    }

    [Fact]
    public void Load_Should_SayWhereTheValueCameFrom_When_AnOverriddenValueIsBad()
    {
        Failure(["training.batch_size=0", "data.limit=none"]).Errors.Should().Equal(
            "r.yaml data.limit must be a whole number (was 'none') (from --set data.limit=none)",
            "r.yaml:10 training.batch_size must be >= 1 (was 0) (from --set training.batch_size=0)");
    }

    [Fact]
    public void Load_Should_Fail_When_AnOverrideIsNotKeyEqualsValue()
    {
        Failure(["seeds", "stages[x].epochs=1", "seeds=[1, 2"]).Errors.Should().Equal(
            "r.yaml --set needs key=value, such as training.batch_size=16 or seeds=[1,2,3] (was 'seeds')",
            "r.yaml stages[x].epochs is not a key path: it has '[x]': a list index is a number from 0, or * for every item; write keys joined by dots and list items as [i], e.g. stages[0].epochs (from --set stages[x].epochs=1)",
            "r.yaml seeds has a bad value: malformed YAML: While parsing a flow sequence, did not find expected ',' or ']'. (from --set seeds=[1, 2)");
    }

    [Fact]
    public void Load_Should_ListTheProfiles_When_TheChosenOneIsUnknown()
    {
        Failure(profile: "quik").Errors.Should().Equal("r.yaml has no profile 'quik'; did you mean 'quick'? Its profiles: quick, full");
    }

    [Fact]
    public void Load_Should_CheckEveryProfile_When_NoneIsChosen()
    {
        var yaml = Recipe.Replace("seeds: [1, 2, 3, 4, 5]", "data.limt: 5");

        Failure(yaml: yaml).Errors.Should().ContainSingle().Which.Should().StartWith(
            $"r.yaml:{RecipeFolder.LineOf(yaml, "data.limt")} data.limt is not a key of data; did you mean 'limit'? Valid keys: train, dev,")
            .And.EndWith("(from profile 'full')");
    }

    [Fact]
    public void Load_Should_ReportEachStage_When_AProfileSetsAWildcardToABadValue()
    {
        var yaml = Recipe.Replace("\"stages[*].epochs\": 1", "\"stages[*].epochs\": 0");
        var line = RecipeFolder.LineOf(yaml, "stages[*].epochs");

        Failure(profile: "quick", yaml: yaml).Errors.Should().Equal(
            $"r.yaml:{line} stages[0].epochs must be >= 1 (was 0) (from profile 'quick')",
            $"r.yaml:{line} stages[1].epochs must be >= 1 (was 0) (from profile 'quick')");
    }
}
