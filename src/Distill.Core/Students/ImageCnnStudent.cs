using Distill.Students.Internal;
using TorchSharp.Modules;
using static TorchSharp.torch;

#pragma warning disable IDE1006 // field names are state-dict keys

namespace Distill.Students;

/// <summary>
/// Small residual CNN for images: stem (conv3×3, BN, ReLU), stages of <see cref="ImageCnnStudentOptions.BlocksPerStage"/>
/// basic blocks (the first block of every stage after the first has stride 2), global average pooling, classifier.
/// Each stage's output is a feature map for attention transfer (<see cref="Intermediates.FeatureMaps"/>).
/// </summary>
public sealed class ImageCnnStudent : StudentModel
{
    private readonly Conv2d stem_conv;
    private readonly HeldBatchNorm2d stem_bn;
    private readonly ModuleList<ModuleList<ResidualBlock>> stages;
    private readonly Linear classifier;

    /// <summary>Builds a randomly initialised image CNN.</summary>
    public ImageCnnStudent(ImageCnnStudentOptions options)
        : base(nameof(ImageCnnStudent), options)
    {
        using var construction = NewDisposeScope(); // see KeepParametersAndBuffers
        options.ThrowIfInvalid();
        var first = options.StageChannels[0];
        stem_conv = nn.Conv2d(options.InputChannels, first, 3, padding: 1, bias: false);
        stem_bn = new HeldBatchNorm2d(first);
        var blocks = new List<ModuleList<ResidualBlock>>();
        var channels = first;
        for (var s = 0; s < options.StageChannels.Count; s++)
        {
            var outChannels = options.StageChannels[s];
            blocks.Add(nn.ModuleList(Enumerable.Range(0, options.BlocksPerStage)
                .Select(b => new ResidualBlock(b == 0 ? channels : outChannels, outChannels, s > 0 && b == 0 ? 2 : 1))
                .ToArray()));
            channels = outChannels;
        }

        stages = nn.ModuleList(blocks.ToArray());
        classifier = nn.Linear(channels, options.NumLabels);
        RegisterComponents();
        KeepParametersAndBuffers();
    }

    /// <summary>The student's settings.</summary>
    public ImageCnnStudentOptions Settings => (ImageCnnStudentOptions)Options;

    /// <inheritdoc />
    public override bool TakesTokens => false;

    /// <inheritdoc />
    public override StudentOutput forward(StudentInput input)
    {
        var x = RequireFeatures(input, 4, "[batch, channels, height, width]");
        if (x.shape[1] != Settings.InputChannels)
        {
            throw new ArgumentException(
                $"image_cnn student: Features must have {Settings.InputChannels} channels (input_channels), got {x.shape[1]}", nameof(input));
        }

        x = nn.functional.relu(stem_bn.call(stem_conv.call(x)));
        var maps = input.Capture.HasFlag(Intermediates.FeatureMaps) ? new List<Tensor>() : null;
        foreach (var stage in stages)
        {
            foreach (var block in stage)
            {
                x = block.Forward(x);
            }

            maps?.Add(x);
        }

        var pooled = x.mean([2, 3]);
        return new StudentOutput { Logits = classifier.call(pooled), FeatureMaps = maps };
    }
}
