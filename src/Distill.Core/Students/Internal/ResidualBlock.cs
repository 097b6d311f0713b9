using Distill.Losses;
using TorchSharp.Modules;
using static TorchSharp.torch;

#pragma warning disable IDE1006 // field names are state-dict keys

namespace Distill.Students.Internal;

/// <summary>
/// ResNet's basic block: conv3×3 (stride s), BN, ReLU, conv3×3, BN, plus the input (through a 1×1 conv and BN when
/// the shape changes), then ReLU.
/// </summary>
internal sealed class ResidualBlock : nn.Module
{
    private readonly Conv2d conv1;
    private readonly HeldBatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly HeldBatchNorm2d bn2;
    private readonly Conv2d? shortcut_conv;
    private readonly HeldBatchNorm2d? shortcut_bn;

    public ResidualBlock(int inChannels, int outChannels, int stride)
        : base(nameof(ResidualBlock))
    {
        conv1 = nn.Conv2d(inChannels, outChannels, 3, stride: stride, padding: 1, bias: false);
        bn1 = new HeldBatchNorm2d(outChannels);
        conv2 = nn.Conv2d(outChannels, outChannels, 3, padding: 1, bias: false);
        bn2 = new HeldBatchNorm2d(outChannels);
        if (stride != 1 || inChannels != outChannels)
        {
            shortcut_conv = nn.Conv2d(inChannels, outChannels, 1, stride: stride, bias: false);
            shortcut_bn = new HeldBatchNorm2d(outChannels);
        }

        RegisterComponents();
    }

    public int Stride => (int)conv1.stride[0];

    public Tensor Forward(Tensor x)
    {
        var y = nn.functional.relu(bn1.call(conv1.call(x)));
        y = bn2.call(conv2.call(y));
        var identity = shortcut_conv is null ? x : shortcut_bn!.call(shortcut_conv.call(x));
        return nn.functional.relu(y.Plus(identity));
    }
}
