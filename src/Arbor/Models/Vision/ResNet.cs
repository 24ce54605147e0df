using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Arbor.Models.Vision;

/// <summary>
/// A ResNet feature extractor for small images: a 3×3 stem convolution with stride 1 (no max-pool), stages of
/// <see cref="BasicBlock"/>s, and global average pooling to a feature vector <c>[B, FeatureDim]</c>. There is no
/// classifier: contrastive methods put a projection head on top, the baselines a per-level linear head.
/// Accepts 1- or 3-channel input (chosen at construction) of any size ≥ 8 px.
/// </summary>
public sealed class ResNet : ImageBackbone
{
    readonly Conv2d stem;
    readonly SyncBatchNorm2d stem_bn;
    readonly ModuleList<BasicBlock> blocks;

    /// <summary>Length of the pooled feature vector (the width of the last stage).</summary>
    public override int FeatureDim { get; }

    /// <summary>Input channels (1 for grey-scale, 3 for colour).</summary>
    public int InChannels { get; }

    /// <summary>
    /// A ResNet with a stride-1 3×3 stem of <paramref name="stemWidth"/> channels and stages of <paramref name="blocksPerStage"/>
    /// BasicBlocks with widths <paramref name="widths"/>; every stage after the first halves the resolution.
    /// </summary>
    public ResNet(string name, int inChannels, int stemWidth, IReadOnlyList<int> widths, IReadOnlyList<int> blocksPerStage)
        : base(name)
    {
        if (inChannels is not (1 or 3))
            throw new ArgumentOutOfRangeException(nameof(inChannels), $"a ResNet takes 1- or 3-channel images, not {inChannels}");
        if (widths.Count != blocksPerStage.Count || widths.Count == 0)
            throw new ArgumentException("one width per stage is needed");
        InChannels = inChannels;
        stem = Conv2d(inChannels, stemWidth, 3, stride: 1, padding: 1, bias: false);
        stem_bn = new SyncBatchNorm2d(stemWidth);
        blocks = new ModuleList<BasicBlock>();
        long channels = stemWidth;
        for (int s = 0; s < widths.Count; s++)
            for (int b = 0; b < blocksPerStage[s]; b++)
            {
                long stride = s > 0 && b == 0 ? 2 : 1;
                blocks.Add(new BasicBlock(channels, widths[s], stride));
                channels = widths[s];
            }
        FeatureDim = widths[^1];
        RegisterComponents();
        InitialiseLikeTorchvision();
    }

    /// <summary>
    /// ResNet-18 with the CIFAR stem (3×3 conv, stride 1, no max-pool): BasicBlocks [2, 2, 2, 2], widths 64/128/256/512,
    /// 512-d features, 11,168,832 parameters.
    /// </summary>
    public static ResNet ResNet18Cifar(int inChannels) =>
        new("resnet18", inChannels, 64, new[] { 64, 128, 256, 512 }, new[] { 2, 2, 2, 2 });

    /// <summary>
    /// The classic CIFAR ResNet-20 (He et al. 2016, §4.2): a 16-channel stem, 3 stages × 3 BasicBlocks with 16/32/64
    /// channels, 64-d features. Down-sampling shortcuts are 1×1 conv + BN (option B), so it has 271,824 parameters
    /// (option A's parameter-free zero-padding shortcuts would give 269,072).
    /// </summary>
    public static ResNet ResNet20(int inChannels) =>
        new("resnet20", inChannels, 16, new[] { 16, 32, 64 }, new[] { 3, 3, 3 });

    public override Tensor forward(Tensor x)
    {
        if (x.dim() != 4 || x.shape[1] != InChannels)
            throw new ArgumentException($"expected images [B, {InChannels}, H, W], got [{string.Join(", ", x.shape)}]");
        if (x.shape[2] < 8 || x.shape[3] < 8)
            throw new ArgumentException($"images must be at least 8×8 px, got {x.shape[2]}×{x.shape[3]}");
        using var scope = NewDisposeScope();
        var y = functional.relu(stem_bn.forward(stem.forward(x)));
        foreach (var block in blocks) y = block.forward(y);
        return y.mean(new long[] { 2, 3 }).MoveToOuterDisposeScope();
    }

    /// <summary>torchvision's ResNet initialisation: Kaiming-normal (fan-out, ReLU) convolutions, BN weight 1 and bias 0.</summary>
    void InitialiseLikeTorchvision()
    {
        using var noGrad = torch.no_grad();
        foreach (var (_, module) in named_modules())
        {
            switch (module)
            {
                case Conv2d conv:
                    init.kaiming_normal_(conv.weight, mode: init.FanInOut.FanOut, nonlinearity: init.NonlinearityType.ReLU);
                    break;
                case SyncBatchNorm2d bn:
                    init.ones_(bn.Weight);
                    init.zeros_(bn.Bias);
                    break;
            }
        }
    }
}
