using Distill.Core.Tests.Students;
using Distill.Losses;
using Distill.Students;
using Distill.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Distill.Core.Tests.Training;

public class BlockwiseDistillationTests
{
    /// <summary>A 4-layer teacher of width 16 (the shared small transformer, deeper).</summary>
    private static TransformerStudentOptions TeacherOptions(int layers = 4) => StudentFixtures.SmallTransformer() with { Layers = layers };

    /// <summary>A 2-layer student of width 8, narrower than the teacher so that the connectors have work to do.</summary>
    private static TransformerStudentOptions StudentOptions() =>
        StudentFixtures.SmallTransformer() with { Layers = 2, Hidden = 8, Heads = 2, Intermediate = 12 };

    [Fact]
    public void PathLogits_Should_SendGradientsToTheStudentAndConnectors_When_TheTeacherIsFrozen()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        using var teacher = new TransformerStudent(TeacherOptions());
        using var student = new TransformerStudent(StudentOptions());
        using var blockwise = new BlockwiseDistillation(teacher, student.Settings);
        var (ids, mask) = StudentFixtures.TokenBatch(1, 6, 6, 4, 3);
        var teacherLogits = TeacherLogits(teacher, ids, mask);

        var output = student.call(StudentInput.Text(ids, mask, capture: Intermediates.HiddenStates));
        var paths = blockwise.PathLogits(output.HiddenStates!, mask);
        // The paths' part alone: the cross term would reach the student through its own head, not the teacher's tail.
        new BlockwiseLogitLoss().ComputeParts(output.Logits, teacherLogits, paths).Paths.backward();

        var studentGrads = student.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad);
        for (var layer = 0; layer < 2; layer++)
        {
            var prefix = $"bert.encoder.layer.{layer}.";
            studentGrads.Where(g => g.Key.StartsWith(prefix, StringComparison.Ordinal))
                .Sum(g => g.Value is null ? 0 : g.Value.abs().sum().item<float>())
                .Should().BeGreaterThan(0, $"student layer {layer} runs in a path");
        }

        studentGrads["classifier.weight"].Should().BeNull("no path runs the student's own head");
        foreach (var (name, parameter) in blockwise.named_parameters())
        {
            parameter.grad.Should().NotBeNull(name);
            parameter.grad!.abs().sum().item<float>().Should().BeGreaterThan(0, name);
        }

        foreach (var (name, parameter) in teacher.named_parameters())
        {
            parameter.requires_grad.Should().BeFalse(name);
            parameter.grad.Should().BeNull(name);
        }
    }

    [Fact]
    public void Step_Should_ChangeTheStudentAndConnectorsButNotTheTeacher_When_TheBlockwiseLossIsMinimised()
    {
        using var scope = NewDisposeScope();
        manual_seed(2);
        using var teacher = new TransformerStudent(TeacherOptions());
        using var student = new TransformerStudent(StudentOptions());
        using var blockwise = new BlockwiseDistillation(teacher, student.Settings);
        var (ids, mask) = StudentFixtures.TokenBatch(2, 6, 6, 5);
        var teacherLogits = TeacherLogits(teacher, ids, mask);
        var studentBefore = Snapshot(student);
        var connectorsBefore = Snapshot(blockwise);
        var teacherBefore = Snapshot(teacher);
        using var optimizer = optim.AdamW(student.parameters().Concat(blockwise.parameters()), lr: 0.01);

        var output = student.call(StudentInput.Text(ids, mask, capture: Intermediates.HiddenStates));
        var loss = new BlockwiseLogitLoss().Compute(output.Logits, teacherLogits, blockwise.PathLogits(output.HiddenStates!, mask));
        optimizer.zero_grad();
        loss.backward();
        optimizer.step();

        Changed(student, studentBefore).Should().Contain(["bert.encoder.layer.0.attention.self.query.weight", "bert.encoder.layer.1.output.dense.weight", "classifier.weight"]);
        Changed(blockwise, connectorsBefore).Should().BeEquivalentTo("connectors.0.weight", "connectors.0.bias", "connectors.1.weight", "connectors.1.bias");
        Changed(teacher, teacherBefore).Should().BeEmpty("the teacher is frozen");
    }

    [Fact]
    public void PathLogits_Should_EqualTheTeachersLogits_When_TheStudentIsTheTeachersFirstLayersAndConnectorsAreIdentity()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        using var teacher = new TransformerStudent(TeacherOptions(layers: 3));
        using var student = TransformerLayerSelection.CreateStudent(teacher, [0, 1]);
        student.eval();
        // Student layer i is teacher layer i, so after it the teacher's own layers i + 1.. finish the job.
        using var blockwise = new BlockwiseDistillation(teacher, student.Settings, LayerMap.Explicit(0, 1));
        using (no_grad())
        {
            foreach (var (name, parameter) in blockwise.named_parameters())
            {
                parameter.copy_(name.EndsWith(".weight", StringComparison.Ordinal) ? eye(16) : zeros(16));
            }
        }

        var (ids, mask) = StudentFixtures.TokenBatch(3, 7, 7, 5, 2);
        var teacherLogits = TeacherLogits(teacher, ids, mask);

        var output = student.call(StudentInput.Text(ids, mask, capture: Intermediates.HiddenStates));
        var paths = blockwise.PathLogits(output.HiddenStates!, mask);

        blockwise.Blocks.Should().Equal((0, 0), (1, 1));
        paths.Should().HaveCount(2);
        for (var i = 0; i < paths.Count; i++)
        {
            paths[i].shape.Should().Equal(3, 3);
            (paths[i] - teacherLogits).abs().max().item<float>().Should().BeLessThan(1e-5f, $"path {i + 1} is the teacher itself");
        }
    }

    [Fact]
    public void Blocks_Should_FollowTheUniformMap_When_NoMapIsGiven()
    {
        using var teacher = new TransformerStudent(TeacherOptions());
        using var blockwise = new BlockwiseDistillation(teacher, StudentOptions());

        // ⌊(i + 1)·4/2⌋ − 1: student layer 0 stands in for teacher layers 0..1, layer 1 for 2..3 (the last path is the head).
        blockwise.Blocks.Should().Equal((0, 1), (1, 3));
    }

    [Fact]
    public void Train_Should_LeaveTheTeacherFrozenAndInEvalMode_When_CalledOnTheModule()
    {
        using var teacher = new TransformerStudent(TeacherOptions());
        using var blockwise = new BlockwiseDistillation(teacher, StudentOptions());

        blockwise.train();

        blockwise.training.Should().BeTrue();
        blockwise.modules().Should().OnlyContain(m => m.training, "the connectors train");
        teacher.modules().Prepend(teacher).Should().OnlyContain(m => !m.training, "dropout stays off in the teacher");
        teacher.parameters().Should().OnlyContain(p => !p.requires_grad);
        blockwise.named_parameters().Select(p => p.name).Should().BeEquivalentTo(
            "connectors.0.weight", "connectors.0.bias", "connectors.1.weight", "connectors.1.bias");
        blockwise.state_dict().Keys.Should().BeEquivalentTo(
            "connectors.0.weight", "connectors.0.bias", "connectors.1.weight", "connectors.1.bias");
        blockwise.get_parameter("connectors.1.weight")!.shape.Should().Equal(16, 8);
    }

    [Fact]
    public void PathLogits_Should_RunTheTeacherInEvalMode_When_ItsOwnerSwitchedItToTraining()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        using var teacher = new TransformerStudent(TeacherOptions() with { HiddenDropout = 0.5, AttentionDropout = 0.5 });
        using var blockwise = new BlockwiseDistillation(teacher, StudentOptions());
        manual_seed(5);
        var hidden = Enumerable.Range(0, 3).Select(_ => randn(2, 5, 8)).ToList();
        var mask = ones(2, 5);

        teacher.train();
        var first = blockwise.PathLogits(hidden, mask);
        var second = blockwise.PathLogits(hidden, mask);

        teacher.training.Should().BeFalse();
        first.Zip(second).Should().OnlyContain(p => p.First.eq(p.Second).all().item<bool>(), "without dropout the tail is deterministic");
    }

    [Fact]
    public void To_Should_MoveTheTeacherAlong_When_TheModuleIsMoved()
    {
        using var teacher = new TransformerStudent(TeacherOptions());
        using var blockwise = new BlockwiseDistillation(teacher, StudentOptions());

        blockwise.to(ScalarType.Float64);

        blockwise.parameters().Should().OnlyContain(p => p.dtype == ScalarType.Float64 && p.requires_grad);
        teacher.parameters().Should().OnlyContain(p => p.dtype == ScalarType.Float64 && !p.requires_grad, "moved, and still frozen");
    }

    [Fact]
    public void Dispose_Should_LeaveTheTeacherUsable_When_TheModuleIsDisposed()
    {
        using var scope = NewDisposeScope();
        using var teacher = new TransformerStudent(TeacherOptions());
        teacher.eval();
        var (ids, mask) = StudentFixtures.TokenBatch(7, 5, 5, 2);
        var before = TeacherLogits(teacher, ids, mask);

        new BlockwiseDistillation(teacher, StudentOptions()).Dispose();

        TeacherLogits(teacher, ids, mask).eq(before).all().item<bool>().Should().BeTrue("the caller owns the teacher");
    }

    [Fact]
    public void PathLogits_Should_SayWhatIsWrong_When_TheHiddenStatesAreMissingOne()
    {
        using var scope = NewDisposeScope();
        using var teacher = new TransformerStudent(TeacherOptions());
        using var blockwise = new BlockwiseDistillation(teacher, StudentOptions());

        var act = () => blockwise.PathLogits([zeros(2, 5, 8), zeros(2, 5, 8)], ones(2, 5));

        act.Should().Throw<ArgumentException>().WithMessage(
            "blockwise distillation: expected 3 student hidden states (the embeddings, then each of the student's 2 layers), got 2; run the student with Intermediates.HiddenStates*");
    }

    [Fact]
    public void PathLogits_Should_SayWhatIsWrong_When_TheHiddenStatesHaveTheWrongWidth()
    {
        using var scope = NewDisposeScope();
        using var teacher = new TransformerStudent(TeacherOptions());
        using var blockwise = new BlockwiseDistillation(teacher, StudentOptions());

        var act = () => blockwise.PathLogits([zeros(2, 5, 8), zeros(2, 5, 16), zeros(2, 5, 8)], ones(2, 5));

        act.Should().Throw<ArgumentException>().WithMessage(
            "blockwise distillation: student hidden state 1 must be [batch, sequence, 8] (the student's hidden size), got [2, 5, 16]; pass the hidden states of the student these connectors were made for*");
    }

    [Fact]
    public void PathLogits_Should_SayWhatIsWrong_When_TheSequenceLengthsDiffer()
    {
        using var scope = NewDisposeScope();
        using var teacher = new TransformerStudent(TeacherOptions());
        using var blockwise = new BlockwiseDistillation(teacher, StudentOptions());
        var hidden = Enumerable.Range(0, 3).Select(_ => zeros(2, 7, 8)).ToList();

        var act = () => blockwise.PathLogits(hidden, ones(2, 5));

        act.Should().Throw<ArgumentException>().WithMessage(
            "blockwise distillation: student hidden state 0 covers [batch, sequence] = [2, 7] but attentionMask is [2, 5]; student and teacher must read the same tokenized batch*");
    }

    [Fact]
    public void Constructor_Should_SayWhatIsWrong_When_TheMapSendsALaterBlockToAnEarlierTeacherLayer()
    {
        using var teacher = new TransformerStudent(TeacherOptions());

        var act = () => new BlockwiseDistillation(teacher, StudentOptions(), LayerMap.Explicit(3, 1));

        act.Should().Throw<DistillException>().WithMessage(
            "blockwise distillation: layer map [0→3, 1→1] sends student layer 1 to teacher layer 1, before teacher layer 3 of student layer 0; paths must go deeper as the student's blocks do: map student layers to teacher layers in increasing order, or use uniform");
    }

    [Fact]
    public void Constructor_Should_SayWhatIsWrong_When_TheStudentUsesAnotherVocabulary()
    {
        using var teacher = new TransformerStudent(TeacherOptions());

        var act = () => new BlockwiseDistillation(teacher, StudentOptions() with { VocabSize = 40 });

        act.Should().Throw<DistillException>().WithMessage(
            "blockwise distillation: the student's vocab_size (40) differs from the teacher's (50); *set the student's vocab_size to 50");
    }

    [Fact]
    public void Constructor_Should_SayWhatIsWrong_When_TheMapNamesALayerTheTeacherLacks()
    {
        using var teacher = new TransformerStudent(TeacherOptions());

        var act = () => new BlockwiseDistillation(teacher, StudentOptions(), LayerMap.Explicit(1, 4));

        act.Should().Throw<DistillException>().WithMessage(
            "blockwise distillation: layer map [0→1, 1→4]: teacher layer 4 does not exist (the teacher has layers 0..3)");
    }

    [Fact]
    public void Training_Should_LowerTheBlockwiseLoss_When_TheStudentAndConnectorsTakeAFewSteps()
    {
        using var scope = NewDisposeScope();
        manual_seed(6);
        using var teacher = new TransformerStudent(TeacherOptions());
        using var student = new TransformerStudent(StudentOptions() with { HiddenDropout = 0, AttentionDropout = 0 });
        using var blockwise = new BlockwiseDistillation(teacher, student.Settings);
        using (no_grad())
        {
            // A random teacher is unsure of everything; a sharper head gives the paths something to learn.
            teacher.get_parameter("classifier.weight")!.mul_(20);
        }

        var (ids, mask) = StudentFixtures.TokenBatch(6, 6, 6, 4, 5, 3);
        var teacherLogits = TeacherLogits(teacher, ids, mask);
        // Labels the teacher agrees with, so that the CE and KD terms pull the same way.
        var labels = teacherLogits.argmax(1);
        var blockwiseLoss = new BlockwiseLogitLoss();
        using var optimizer = optim.AdamW(student.parameters().Concat(blockwise.parameters()), lr: 0.01);
        student.train();
        blockwise.train();

        var losses = new List<float>();
        for (var step = 0; step < 20; step++)
        {
            using var stepScope = NewDisposeScope();
            var output = student.call(StudentInput.Text(ids, mask, capture: Intermediates.HiddenStates));
            var block = blockwiseLoss.Compute(output.Logits, teacherLogits, blockwise.PathLogits(output.HiddenStates!, mask));
            var loss = nn.functional.cross_entropy(output.Logits, labels) + block;
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            losses.Add(block.item<float>());
        }

        losses.Should().OnlyContain(l => float.IsFinite(l));
        losses[^1].Should().BeLessThan(0.5f * losses[0], $"losses were {string.Join(", ", losses)}");
    }

    private static Tensor TeacherLogits(TransformerStudent teacher, Tensor ids, Tensor mask)
    {
        using var noGrad = no_grad();
        return teacher.call(StudentInput.Text(ids, mask)).Logits;
    }

    private static Dictionary<string, Tensor> Snapshot(nn.Module module) =>
        module.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());

    private static List<string> Changed(nn.Module module, Dictionary<string, Tensor> before) =>
        module.named_parameters().Where(p => !p.parameter.detach().eq(before[p.name]).all().item<bool>()).Select(p => p.name).ToList();
}
