using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Arbor.Models.Vision;

/// <summary>
/// The two-convolution residual block of ResNet-18/20: 3×3 conv → BN → ReLU → 3×3 conv → BN, plus the shortcut, then
/// ReLU. When the block changes stride or width the shortcut is a 1×1 convolution + BN ("option B" of He et al.),
/// otherwise the identity.
/// </summary>
public sealed class BasicBlock : Module<Tensor, Tensor>
{
    readonly Conv2d conv1;
    readonly SyncBatchNorm2d bn1;
    readonly Conv2d conv2;
    readonly SyncBatchNorm2d bn2;
    readonly Sequential? shortcut;

    public BasicBlock(long inChannels, long outChannels, long stride) : base(nameof(BasicBlock))
    {
        conv1 = Conv2d(inChannels, outChannels, 3, stride: stride, padding: 1, bias: false);
        bn1 = new SyncBatchNorm2d(outChannels);
        conv2 = Conv2d(outChannels, outChannels, 3, stride: 1, padding: 1, bias: false);
        bn2 = new SyncBatchNorm2d(outChannels);
        if (stride != 1 || inChannels != outChannels)
            shortcut = Sequential(
                ("0", Conv2d(inChannels, outChannels, 1, stride: stride, bias: false)),
                ("1", new SyncBatchNorm2d(outChannels)));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = functional.relu(bn1.forward(conv1.forward(x)));
        y = bn2.forward(conv2.forward(y));
        var skip = shortcut is null ? x : shortcut.forward(x);
        return functional.relu(y + skip).MoveToOuterDisposeScope();
    }
}
