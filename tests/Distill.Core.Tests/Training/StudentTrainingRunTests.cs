using Distill.Students;
using Distill.Training;

namespace Distill.Core.Tests.Training;

public class StudentTrainingRunTests
{
    private static readonly MlpStudentOptions Mlp = new() { InputSize = 3, NumLabels = 2, HiddenSizes = [4] };

    private static float[] Weights(StudentModel model) => model.state_dict()["hidden.0.weight"].data<float>().ToArray();

    [Fact]
    public void Create_Should_Draw_The_Same_Weights_For_The_Same_Seed()
    {
        using var first = StudentTrainingRun.Create(Mlp, seed: 5);
        using var again = StudentTrainingRun.Create(Mlp, seed: 5);
        using var other = StudentTrainingRun.Create(Mlp, seed: 6);

        Weights(again.Student).Should().Equal(Weights(first.Student));
        Weights(other.Student).Should().NotEqual(Weights(first.Student));
    }

    [Fact]
    public void Train_Should_Refuse_Training_Options_With_Another_Seed()
    {
        using var run = StudentTrainingRun.Create(Mlp, seed: 5);

        var act = () => run.Train(new TrainingOptions { OutputDirectory = "unused", Seed = 42 }, [], new TrainingData { Train = [], Labels = ["a", "b"] });

        act.Should().Throw<ArgumentException>().WithMessage("training.Seed is 42 but the student was drawn with seed 5; use one seed for both*");
    }

    [Fact]
    public void Dispose_Should_Leave_A_Kept_Student_Alone_And_Dispose_Any_Other()
    {
        StudentModel kept;
        using (var run = StudentTrainingRun.Create(Mlp, seed: 5))
        {
            kept = run.Keep();
        }

        Weights(kept).Should().HaveCount(12, "a kept student still works after its run is disposed");
        kept.Dispose();

        var dropped = StudentTrainingRun.Create(Mlp, seed: 5);
        var student = dropped.Student;
        dropped.Dispose();
        var act = () => dropped.Student;
        act.Should().Throw<ObjectDisposedException>();
        student.parameters().Should().BeEmpty("the run disposed the student it did not hand over");
    }
}
