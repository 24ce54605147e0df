using Arbor.Models.Encoders;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Models.Vision;

/// <summary>An image backbone of the image methods: images [B, C, H, W] → features [B, FeatureDim].</summary>
public abstract class ImageBackbone(string name) : nn.Module<Tensor, Tensor>(name)
{
    /// <summary>Length of the feature vector.</summary>
    public abstract int FeatureDim { get; }
}

/// <summary>
/// An image tower of the <see cref="EncoderRegistry"/> as a backbone (e.g. <c>resnet18-imagenet</c>, or its network with
/// fresh weights, <c>resnet18-imagenet-scratch</c>): its
/// pooled features, its weights trainable (fine-tuning) and in the state dict under <c>tower</c>. Grey-scale input is
/// repeated to the three channels the tower was trained on.
/// </summary>
public sealed class PretrainedBackbone : ImageBackbone
{
#pragma warning disable IDE1006 // state-dict names
    readonly nn.Module tower;
#pragma warning restore IDE1006
    readonly IImageEncoder _encoder;

    public PretrainedBackbone(IImageEncoder encoder) : base("pretrained_backbone")
    {
        _encoder = encoder;
        tower = encoder.Module;
        RegisterComponents();
    }

    public override int FeatureDim => _encoder.Width;

    /// <summary>The tower.</summary>
    public IImageEncoder Encoder => _encoder;

    public override Tensor forward(Tensor images)
    {
        using var scope = NewDisposeScope();
        var rgb = images.shape[1] == 1 ? images.expand(-1, 3, -1, -1) : images;
        return _encoder.Encode(rgb).Features.MoveToOuterDisposeScope();
    }
}

/// <summary>Backbones by name, for the CLI's <c>--backbone</c> option.</summary>
public static class Backbones
{
    /// <summary>Backbones of point clouds [B, N, 3] (the others take images).</summary>
    public static IReadOnlyList<string> PointNames { get; } = new[] { "pointnet", "dgcnn" };

    /// <summary>
    /// Appended to a tower's name, the same network and preprocessing with fresh weights (e.g.
    /// <c>resnet18-imagenet-scratch</c>): the control that says what the pretrained weights are worth.
    /// </summary>
    public const string ScratchSuffix = "-scratch";

    /// <summary>Names accepted by <see cref="Create"/>: the scratch ResNets, the registry's pretrained image towers and
    /// their from-scratch controls, and the point-cloud backbones.</summary>
    public static IReadOnlyList<string> Names { get; } = new[] { "resnet18", "resnet20" }.Concat(EncoderRegistry.ImageNames)
        .Concat(EncoderRegistry.ImageNames.Select(n => n + ScratchSuffix)).Concat(PointNames).ToArray();

    /// <summary>True for a point-cloud backbone.</summary>
    public static bool IsPointBackbone(string? name) => name is not null && PointNames.Contains(name.Trim().ToLowerInvariant());

    /// <summary>True for a pretrained tower (fine-tuned: its default learning rate is a tenth of the method's).</summary>
    public static bool IsPretrained(string? name) => EncoderRegistry.IsImageTower(name);

    /// <summary>True for a tower's architecture trained from scratch (<c>NAME-scratch</c>).</summary>
    public static bool IsScratchTower(string? name) => TowerOf(name) is not null && !IsPretrained(name);

    /// <summary>True for a tower's network, pretrained or from scratch: it wants 3-channel [0, 1] input at the tower's size.</summary>
    public static bool IsTower(string? name) => TowerOf(name) is not null;

    /// <summary>The registry name of the tower behind <paramref name="name"/> (itself or before <see cref="ScratchSuffix"/>), or null.</summary>
    static string? TowerOf(string? name)
    {
        if (name is null) return null;
        var n = name.Trim();
        if (EncoderRegistry.IsImageTower(n)) return n;
        return n.EndsWith(ScratchSuffix, StringComparison.OrdinalIgnoreCase) && EncoderRegistry.IsImageTower(n[..^ScratchSuffix.Length])
            ? n[..^ScratchSuffix.Length] : null;
    }

    /// <summary>
    /// A backbone: "resnet18" (CIFAR-stem ResNet-18, 512-d features) or "resnet20" (CIFAR ResNet-20, 64-d features),
    /// freshly initialised, "pointnet" (512-d) or "dgcnn" (k = 20, 2,048-d) for point clouds, a pretrained tower such as
    /// "resnet18-imagenet" (weights from its package) or its network initialised from scratch ("resnet18-imagenet-scratch"),
    /// case-insensitive. An unknown name is an <see cref="ArborException"/> listing the valid ones.
    /// </summary>
    public static ImageBackbone Create(string name, int inChannels)
    {
        switch (name.Trim().ToLowerInvariant())
        {
            case "pointnet": return new Points.PointNet();
            case "dgcnn": return new Points.Dgcnn();
        }
        if (inChannels is not (1 or 3))
            throw new ArborException($"backbones take 1- or 3-channel images, not {inChannels} channels");
        if (TowerOf(name) is { } tower)
        {
            var encoder = EncoderRegistry.CreateImage(tower);
            if (IsScratchTower(name))
            {
                if (encoder is not IScratchInitialisable scratch)
                {
                    encoder.Dispose();
                    throw new ArborException($"backbone '{name}': the {tower} tower cannot be initialised from scratch");
                }
                scratch.InitialiseFromScratch();
            }
            return new PretrainedBackbone(encoder);
        }
        return name.Trim().ToLowerInvariant() switch
        {
            "resnet18" or "resnet-18" => ResNet.ResNet18Cifar(inChannels),
            "resnet20" or "resnet-20" => ResNet.ResNet20(inChannels),
            _ => throw new ArborException($"unknown backbone '{name}'; valid backbones: {string.Join(", ", Names)}"),
        };
    }
}
