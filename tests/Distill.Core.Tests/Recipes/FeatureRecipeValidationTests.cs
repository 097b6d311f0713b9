using Distill.Recipes;

namespace Distill.Core.Tests.Recipes;

/// <summary>Recipes over float features: data.features, data.feature_shape and data.normalization.</summary>
public sealed class FeatureRecipeValidationTests : IDisposable
{
    private static readonly Dictionary<string, string> NoEnvironment = new();

    private readonly RecipeFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private Recipe Load(string yaml) => RecipeLoader.Load(_folder.Write("r.yaml", yaml), environment: NoEnvironment);

    private IReadOnlyList<string> Errors(string yaml) =>
        FluentActions.Invoking(() => Load(yaml)).Should().Throw<RecipeException>().Which.Errors;

    [Fact]
    public void Load_Should_Read_The_Feature_Keys_And_Size_The_Student_From_Them()
    {
        var recipe = Load("""
            data:
              train: data/train.tsv
              features: p0..p783
              feature_shape: [1, 28, 28]
              normalization: {scale: 0.00392156862745098, mean: [0.5], std: [0.5]}
            teacher: {model: models/teacher.onnx}
            student: {architecture: image_cnn, stage_channels: [8, 16]}
            stages: [{losses: [{type: at}, {type: kd}]}]
            """);

        recipe.Data.Features.Should().Equal("p0..p783");
        recipe.Data.HasFeatures.Should().BeTrue();
        recipe.Data.FeatureShape.Should().Equal(1, 28, 28);
        recipe.Data.Normalization.Scale.Should().Be(0.00392156862745098f);
        recipe.Data.Normalization.Mean.Should().Equal(0.5f);
        recipe.Data.Normalization.Std.Should().Equal(0.5f);
        recipe.Teacher!.Vocab.Should().BeEmpty("float features need no vocabulary");
        recipe.Student.Settings["input_channels"].Should().Be(1L);
    }

    [Fact]
    public void Load_Should_Give_An_Mlp_The_Count_Of_Its_Feature_Columns()
    {
        var recipe = Load("""
            data: {train: data/train.tsv, features: [f0..f9, extra]}
            student: {architecture: mlp}
            stages: [{losses: [{type: ce}]}]
            """);

        recipe.Student.Settings["input_size"].Should().Be(11L);
    }

    [Fact]
    public void Load_Should_Refuse_Text_And_Augmentation_With_Features_And_A_Bad_Range()
    {
        Errors("""
            data: {train: data/train.tsv, features: p9..p0, text: sentence, augment: {copies: 1}}
            student: {architecture: mlp, input_size: 10}
            stages: [{losses: [{type: ce}]}]
            """).Should().Equal(
            "r.yaml:1 data.augment rewrites text, and data.features gives float features; remove data.augment",
            "r.yaml:1 data.features and data.text are both given; a recipe reads text or float features, so remove one of them",
            "r.yaml:1 data.features feature columns 'p9..p0' end before they start; write the first column before the last, as in p0..p783");
    }
}
