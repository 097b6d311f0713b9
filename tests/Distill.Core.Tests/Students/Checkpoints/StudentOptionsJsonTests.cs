using Distill.Students;

namespace Distill.Core.Tests.Students.Checkpoints;

public class StudentOptionsJsonTests
{
    public static TheoryData<StudentOptions> AllStudents => new(StudentFixtures.AllSmall());

    [Theory]
    [MemberData(nameof(AllStudents))]
    public void Deserialize_Should_GiveBackEqualOptions_When_GivenWhatSerializeWrote(StudentOptions options)
    {
        var json = StudentOptionsJson.Serialize(options);

        var back = StudentOptionsJson.Deserialize(json, "test");

        back.Should().Be(options);
        json.Should().StartWith($"{{\"architecture\":\"{options.ArchitectureName}\"");
    }

    [Fact]
    public void Deserialize_Should_AcceptTheArchitectureAnywhere_When_AFileWasEditedByHand()
    {
        const string json = """{"hidden_sizes": [4], "input_size": 3, "activation": "gelu", "architecture": "mlp", "num_labels": 2}""";

        var options = StudentOptionsJson.Deserialize(json, "test");

        options.Should().Be(new MlpStudentOptions { HiddenSizes = [4], InputSize = 3, Activation = MlpActivation.Gelu, NumLabels = 2 });
    }

    [Theory]
    [InlineData("""{"hidden": 16}""", "recipe.json: student: architecture is missing or not a string (was null); set it to one of transformer, bilstm, text_cnn, mlp, image_cnn")]
    [InlineData("""{"architecture": "transformer", "hidden": "wide"}""", "recipe.json: student: setting hidden has a value of the wrong type*; write a value of the setting's type")]
    [InlineData("""{"architecture": "transformer", "hidden": 30, "heads": 4}""", "recipe.json: student: invalid settings: transformer: hidden (30) must be divisible by heads (4)")]
    [InlineData("""[1, 2]""", "recipe.json: student: must be a JSON object with an \"architecture\" (was [1,2])")]
    public void Deserialize_Should_NameTheSettingAndValue_When_TheJsonIsWrong(string json, string message)
    {
        var act = () => StudentOptionsJson.Deserialize(json, "recipe.json: student");

        act.Should().Throw<DistillException>().Where(e => e.Kind == DistillErrorKind.InvalidInput).WithMessage(message);
    }

    [Fact]
    public void NameOf_Should_GiveTheDiscriminator_ForEveryKind()
    {
        var names = Enum.GetValues<StudentKind>().Select(StudentOptionsJson.NameOf);

        names.Should().Equal("transformer", "bilstm", "text_cnn", "mlp", "image_cnn");
    }
}
