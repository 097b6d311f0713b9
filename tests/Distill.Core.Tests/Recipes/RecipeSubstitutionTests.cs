using Distill.Recipes;

namespace Distill.Core.Tests.Recipes;

public sealed class RecipeSubstitutionTests : IDisposable
{
    private const string Recipe = """
        data:
          train: ${DATA}/train.tsv
        teacher:
          model: models/teacher.onnx
          vocab: models/vocab.txt
        student: {architecture: bilstm}
        stages:
          - losses: [{type: kd, temperature: "${T:-3}"}]
        """;

    private readonly RecipeFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Load_Should_SubstituteAPlainOverride_When_TheRecipeUsesItsName()
    {
        var path = _folder.Write("r.yaml", Recipe);
        var environment = new Dictionary<string, string> { ["DATA"] = "elsewhere" };

        var recipe = RecipeLoader.Load(path, ["DATA=data"], environment: environment);

        recipe.Data.Train.Should().Be(_folder.PathOf("data", "train.tsv"), "--set comes before the environment");
    }

    [Fact]
    public void Load_Should_SubstituteAnEnvironmentVariable_When_NoOverrideNamesIt()
    {
        var path = _folder.Write("r.yaml", Recipe);

        var recipe = RecipeLoader.Load(path, environment: new Dictionary<string, string> { ["DATA"] = "data", ["T"] = "2.5" });

        recipe.Data.Train.Should().Be(_folder.PathOf("data", "train.tsv"));
        recipe.Stages[0].Losses[0].Settings["temperature"].Should().Be("2.5", "a quoted value stays text; the loss reads it as a number");
    }

    [Fact]
    public void Load_Should_ReadTheProcessEnvironment_When_NoEnvironmentIsGiven()
    {
        var name = "DISTILL_RECIPE_TEST_" + Guid.NewGuid().ToString("N");
        var path = _folder.Write("r.yaml", Recipe.Replace("${DATA}", "${" + name + "}"));
        Environment.SetEnvironmentVariable(name, "data");
        try
        {
            var recipe = RecipeLoader.Load(path);

            recipe.Data.Train.Should().Be(_folder.PathOf("data", "train.tsv"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, null);
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Load_Should_UseTheDefault_When_TheVariableIsUnsetOrEmpty(string? value)
    {
        var path = _folder.Write("r.yaml", Recipe.Replace("${DATA}", "${DATA:-data}"));
        var environment = value is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["DATA"] = value, ["T"] = value };

        var recipe = RecipeLoader.Load(path, environment: environment);

        recipe.Data.Train.Should().Be(_folder.PathOf("data", "train.tsv"));
        recipe.Stages[0].Losses[0].Settings["temperature"].Should().Be("3");
    }

    [Fact]
    public void Load_Should_KeepALiteral_When_TheDollarIsDoubled()
    {
        var path = _folder.Write("r.yaml", Recipe.Replace("- losses:", "- name: cost-$${x}\n    losses:"));

        var recipe = RecipeLoader.Load(path, ["DATA=data"], environment: new Dictionary<string, string>());

        recipe.Stages[0].Name.Should().Be("cost-${x}");
    }

    [Fact]
    public void Load_Should_NameTheVariableTheKeyAndTheLine_When_AVariableIsNotSet()
    {
        var path = _folder.Write("r.yaml", Recipe);

        var act = () => RecipeLoader.Load(path, environment: new Dictionary<string, string>());

        act.Should().Throw<RecipeException>().Which.Errors.Should().Equal(
            "r.yaml:2 data.train uses ${DATA}, which is not set; set it with --set DATA=value or the environment variable DATA, " +
            "or give a default: ${DATA:-value}");
    }

    [Fact]
    public void Load_Should_ReportAnUnfinishedReference_When_TheBraceIsNotClosed()
    {
        var path = _folder.Write("r.yaml", Recipe.Replace("${DATA}/train.tsv", "${DATA/train.tsv"));

        var act = () => RecipeLoader.Load(path, environment: new Dictionary<string, string>());

        act.Should().Throw<RecipeException>().Which.Errors.Should().Equal(
            "r.yaml:2 data.train has '${' without its closing '}' (was '${DATA/train.tsv'); write ${NAME} or ${NAME:-default}, or $${ for a literal ${");
    }

    [Fact]
    public void Load_Should_SuggestAVariable_When_APlainOverrideIsUsedNowhere()
    {
        var path = _folder.Write("r.yaml", Recipe);

        var act = () => RecipeLoader.Load(path, ["DATA=data", "DATE=2024"], environment: new Dictionary<string, string>());

        act.Should().Throw<RecipeException>().Which.Errors.Should().Equal(
            "r.yaml DATE is neither a key of a recipe nor a ${...} variable that this recipe uses; did you mean 'DATA'? " +
            "Keys and variables: name, seeds, output, device, data, teacher, cache, student, training, stages, variants, baseline, export, report, profiles, DATA, T " +
            "(from --set DATE=2024)");
    }
}
