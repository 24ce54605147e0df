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
/// A pretrained image tower of the <see cref="EncoderRegistry"/> as a backbone (e.g. <c>resnet18-imagenet</c>): its
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

    /// <summary>Names accepted by <see cref="Create"/>: the scratch ResNets and the registry's pretrained image towers.</summary>
    public static IReadOnlyList<string> Names { get; } = new[] { "resnet18", "resnet20" }.Concat(EncoderRegistry.ImageNames)
        .Concat(PointNames).ToArray();

    /// <summary>True for a point-cloud backbone.</summary>
    public static bool IsPointBackbone(string? name) => name is not null && PointNames.Contains(name.Trim().ToLowerInvariant());

    /// <summary>True for a pretrained tower (which wants 3-channel [0, 1] input at its own size).</summary>
    public static bool IsPretrained(string? name) => EncoderRegistry.IsImageTower(name);

    /// <summary>
    /// A backbone: "resnet18" (CIFAR-stem ResNet-18, 512-d features) or "resnet20" (CIFAR ResNet-20, 64-d features),
    /// freshly initialised, "pointnet" (512-d) or "dgcnn" (k = 20, 2,048-d) for point clouds, or a pretrained tower such as "resnet18-imagenet" (weights from its package),
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
        if (IsPretrained(name)) return new PretrainedBackbone(EncoderRegistry.CreateImage(name));
        return name.Trim().ToLowerInvariant() switch
        {
            "resnet18" or "resnet-18" => ResNet.ResNet18Cifar(inChannels),
            "resnet20" or "resnet-20" => ResNet.ResNet20(inChannels),
            _ => throw new ArborException($"unknown backbone '{name}'; valid backbones: {string.Join(", ", Names)}"),
        };
    }
}
