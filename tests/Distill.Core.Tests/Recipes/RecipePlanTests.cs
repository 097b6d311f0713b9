using Distill.Recipes;
using Distill.Students;

namespace Distill.Core.Tests.Recipes;

/// <summary>What <c>--dry-run</c> shows of the student: its settings as a recipe writes them.</summary>
public sealed class RecipePlanTests : IDisposable
{
    private static readonly Dictionary<string, string> NoEnvironment = new();

    private readonly RecipeFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    public static TheoryData<StudentOptions> EveryKind => new()
    {
        new TransformerStudentOptions { NumLabels = 3, Layers = 2, Hidden = 64, Heads = 4, Intermediate = 128, LayerNormEps = 1e-12 },
        new BiLstmStudentOptions { NumLabels = 2, HiddenSize = 96, Pooling = SequencePooling.Max },
        new TextCnnStudentOptions { NumLabels = 6, EmbeddingDim = 64, FiltersPerWidth = 64, Dropout = 0.3 },
        new MlpStudentOptions { NumLabels = 10, InputSize = 784, HiddenSizes = [128, 64], Activation = MlpActivation.Gelu },
        new ImageCnnStudentOptions { NumLabels = 10, StageChannels = [8, 16], BlocksPerStage = 2 },
    };

    [Theory]
    [MemberData(nameof(EveryKind))]
    public void Describe_Should_WriteSettingsThatARecipeReadsBack_When_GivenAnyStudentKind(StudentOptions options)
    {
        // Arrange: the description, pasted into a recipe's student
        var described = RecipeRunner.Describe(options);
        var yaml = LoaderRecipe.Replace("student:\n  architecture: bilstm", $"student: {{architecture: {options.ArchitectureName}, {described}}}");

        // Act
        var read = RecipeLoader.Load(_folder.Write("pasted.yaml", yaml), environment: NoEnvironment).Student.ToOptions(options.NumLabels);

        // Assert
        described.Should().NotContain("Options").And.NotContain("System.").And.NotContain("architecture");
        StudentOptionsJson.Serialize(read).Should().Be(StudentOptionsJson.Serialize(options));
    }

    [Fact]
    public void Describe_Should_UseTheRecipeKeysAndValues_When_TheStudentIsATextCnn()
    {
        // Arrange
        var options = new TextCnnStudentOptions { NumLabels = 6, EmbeddingDim = 64, FiltersPerWidth = 64, Dropout = 0.3 };

        // Act
        var described = RecipeRunner.Describe(options);

        // Assert
        described.Should().Be("vocab_size: 30522, embedding_dim: 64, filter_widths: [3, 4, 5], filters_per_width: 64, dropout: 0.3, num_labels: 6");
    }

    private static string LoaderRecipe => RecipeLoaderTests.MinimalRecipe.ReplaceLineEndings("\n");
}
