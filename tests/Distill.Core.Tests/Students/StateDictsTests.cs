using Distill.Students;
using Distill.Students.Checkpoints;
using static TorchSharp.torch;

namespace Distill.Core.Tests.Students;

public class StateDictsTests
{
    private static StudentModel Mlp(int seed, int hidden = 8)
    {
        manual_seed(seed);
        return new MlpStudentOptions { InputSize = 4, NumLabels = 3, HiddenSizes = [hidden] }.CreateModel();
    }

    private static float[] Values(StudentModel model, string name) => model.state_dict()[name].data<float>().ToArray();

    [Fact]
    public void CopyExactly_Should_Make_The_Target_Equal_The_Source()
    {
        using var source = Mlp(1);
        using var target = Mlp(2);
        Values(target, "hidden.0.weight").Should().NotEqual(Values(source, "hidden.0.weight"));

        StateDicts.CopyExactly(target, source.state_dict(), "source", "fix it");

        foreach (var name in source.state_dict().Keys)
        {
            Values(target, name).Should().Equal(Values(source, name), name);
        }
    }

    [Fact]
    public void CopyExactly_Should_Refuse_And_Change_Nothing_When_A_Name_Is_Missing()
    {
        using var source = Mlp(1);
        using var target = Mlp(2);
        var before = Values(target, "hidden.0.weight");
        var partial = source.state_dict().Where(p => p.Key != "hidden.0.bias").ToList();

        var act = () => StateDicts.CopyExactly(target, partial, "run/best", "train again");

        act.Should().Throw<DistillException>().WithMessage("run/best: does not fit the model (missing 1: hidden.0.bias; unexpected none); train again");
        Values(target, "hidden.0.weight").Should().Equal(before);
    }

    [Fact]
    public void CopyExactly_Should_Name_Both_Shapes_When_They_Differ()
    {
        using var source = Mlp(1, hidden: 8);
        using var target = Mlp(2, hidden: 6);

        var act = () => StateDicts.CopyExactly(target, source.state_dict(), "wide.safetensors", "use the same student settings");

        act.Should().Throw<DistillException>().WithMessage("wide.safetensors: hidden.0.weight has shape [8, 4] in the file but [6, 4] in the model*; use the same student settings");
    }
}
