using Distill.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Distill.Core.Tests.Training;

/// <summary>
/// Distill's AdamW against TorchSharp's <c>optim.AdamW</c>, the independent implementation it replaces: the same model
/// trained side by side for 200 steps with a changing learning rate, two parameter groups (one with weight decay, one
/// without) and a parameter that gets no gradient, and state saved by one and loaded by the other halfway through.
/// </summary>
public sealed class AdamWOptimizerTests : IDisposable
{
    private const int Steps = 200;
    private const double Tolerance = 1e-6;
    private readonly string _folder = Directory.CreateTempSubdirectory("distill-adamw-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Step_Should_MatchTorchSharpAdamW_When_Run200StepsWithTwoGroups()
    {
        using var ours = new Net(seed: 3);
        using var theirs = new Net(seed: 3);
        using var optimizer = new AdamWOptimizer(ours.Groups(lr: 1e-2, weightDecay: 0.05));
        using var reference = optim.AdamW(theirs.ParamGroups(lr: 1e-2, weightDecay: 0.05), 1e-2);

        for (var step = 0; step < Steps; step++)
        {
            TrainStep(ours, theirs, optimizer, reference, step);
            MaxDifference(ours, theirs).Should().BeLessThanOrEqualTo(Tolerance, $"after step {step + 1}");
        }

        // The weights moved (a test of two optimizers that both do nothing would pass the comparison above).
        using var fresh = new Net(seed: 3);
        MaxDifference(ours, fresh).Should().BeGreaterThan(1e-2);
        ours.Unused.Should().BeEquivalentTo(fresh.Unused, "a parameter without a gradient is not updated, not even decayed");
    }

    [Fact]
    public void Load_Should_ContinueExactly_When_StateWasSavedByTorchSharpOrByItself()
    {
        using var ours = new Net(seed: 5);
        using var theirs = new Net(seed: 5);
        using var optimizer = new AdamWOptimizer(ours.Groups(lr: 3e-3, weightDecay: 0.1));
        using var reference = optim.AdamW(theirs.ParamGroups(lr: 3e-3, weightDecay: 0.1), 3e-3);
        for (var step = 0; step < Steps / 2; step++)
        {
            TrainStep(ours, theirs, optimizer, reference, step);
        }

        // Resume as a run does: a new model with the saved weights and a new optimizer that loads the saved state.
        var torchSharpState = Path.Combine(_folder, "torchsharp.dat");
        var ourState = Path.Combine(_folder, "ours.dat");
        reference.save_state_dict(torchSharpState);
        optimizer.Save(ourState);
        using var resumedFromTheirs = ours.Copy();
        using var resumedFromOurs = ours.Copy();
        using var continuedTheirs = theirs.Copy();
        using var fromTheirs = new AdamWOptimizer(resumedFromTheirs.Groups(lr: 3e-3, weightDecay: 0.1));
        using var fromOurs = new AdamWOptimizer(resumedFromOurs.Groups(lr: 3e-3, weightDecay: 0.1));
        using var referenceFromOurs = optim.AdamW(continuedTheirs.ParamGroups(lr: 3e-3, weightDecay: 0.1), 3e-3);
        fromTheirs.Load(torchSharpState);
        fromOurs.Load(ourState);
        referenceFromOurs.load_state_dict(ourState);

        for (var step = Steps / 2; step < Steps; step++)
        {
            TrainStep(ours, theirs, optimizer, reference, step);
            TrainStep(resumedFromTheirs, continuedTheirs, fromTheirs, referenceFromOurs, step);
            TrainStep(resumedFromOurs, null, fromOurs, null, step);
        }

        MaxDifference(ours, theirs).Should().BeLessThanOrEqualTo(Tolerance);
        MaxDifference(resumedFromTheirs, theirs).Should().BeLessThanOrEqualTo(Tolerance, "our AdamW resumed from TorchSharp's state");
        MaxDifference(continuedTheirs, theirs).Should().BeLessThanOrEqualTo(Tolerance, "TorchSharp's AdamW resumed from our state");
        MaxDifference(resumedFromOurs, ours).Should().Be(0, "our AdamW resumed from its own state repeats the run exactly");
    }

    [Fact]
    public void Load_Should_NameTheMismatch_When_TheGroupsDiffer()
    {
        using var net = new Net(seed: 1);
        using var optimizer = new AdamWOptimizer(net.Groups(lr: 1e-3, weightDecay: 0));
        var path = Path.Combine(_folder, "state.dat");
        optimizer.Save(path);
        using var other = new AdamWOptimizer([new AdamWParameterGroup(net.parameters(), 1e-3, 0)]);

        var load = () => other.Load(path);

        load.Should().Throw<InvalidDataException>().WithMessage("*AdamW state for 2 groups of 5 parameters, but this optimizer has 1 groups of 5*");
    }

    /// <summary>One step on both sides with the same batch and the same learning rate (a warm-up then decay).</summary>
    private static void TrainStep(Net ours, Net? theirs, AdamWOptimizer optimizer, TorchSharp.Modules.AdamW? reference, int step)
    {
        var rate = step < 20 ? 1e-2 * (step + 1) / 20 : 1e-2 * (Steps - step) / Steps;
        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)(1000 + step));
        var input = randn([16, 8], generator: generator);
        var target = randint(0, 3, [16], generator: generator);
        foreach (var group in optimizer.Groups)
        {
            group.LearningRate = rate;
        }

        nn.functional.cross_entropy(ours.call(input), target).backward();
        optimizer.Step();
        optimizer.ZeroGrad();
        if (theirs is not null && reference is not null)
        {
            foreach (var group in reference.ParamGroups)
            {
                group.LearningRate = rate;
            }

            nn.functional.cross_entropy(theirs.call(input), target).backward();
            reference.step();
            reference.zero_grad();
        }
    }

    private static double MaxDifference(Net a, Net b) =>
        a.parameters().Zip(b.parameters()).Max(p => (p.First - p.Second).abs().max().item<float>());

    /// <summary>Two layers, and one parameter the loss never reaches.</summary>
    private sealed class Net : nn.Module<Tensor, Tensor>
    {
        private readonly Linear hidden;
        private readonly Linear output;
        private readonly Parameter unused;

        public Net(int seed)
            : base(nameof(Net))
        {
            manual_seed(seed);
            hidden = nn.Linear(8, 16);
            output = nn.Linear(16, 3);
            unused = nn.Parameter(randn(4));
            RegisterComponents();
        }

        public float[] Unused => unused.data<float>().ToArray();

        public override Tensor forward(Tensor input) => output.call(nn.functional.relu(hidden.call(input)));

        public Net Copy()
        {
            var copy = new Net(seed: 0);
            using (no_grad())
            {
                foreach (var (target, source) in copy.parameters().Zip(parameters()))
                {
                    target.copy_(source);
                }
            }

            return copy;
        }

        public IEnumerable<AdamWParameterGroup> Groups(double lr, double weightDecay) =>
        [
            new AdamWParameterGroup(Weights(), lr, weightDecay),
            new AdamWParameterGroup(Biases(), lr, 0),
        ];

        public IEnumerable<TorchSharp.Modules.AdamW.ParamGroup> ParamGroups(double lr, double weightDecay) =>
        [
            new(Weights(), new TorchSharp.Modules.AdamW.Options { LearningRate = lr, weight_decay = weightDecay }),
            new(Biases(), new TorchSharp.Modules.AdamW.Options { LearningRate = lr, weight_decay = 0 }),
        ];

        private IEnumerable<Parameter> Weights() => named_parameters().Where(p => !p.name.EndsWith("bias", StringComparison.Ordinal)).Select(p => p.parameter);

        private IEnumerable<Parameter> Biases() => named_parameters().Where(p => p.name.EndsWith("bias", StringComparison.Ordinal)).Select(p => p.parameter);
    }
}
