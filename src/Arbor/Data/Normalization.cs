namespace Arbor.Data;

/// <summary>
/// Per-channel normalisation <c>(x - mean) / std</c> applied to images in [0, 1]. A one-value preset applies to every
/// channel (grayscale data shown to an RGB model); a three-value preset applied to one channel uses the channel means.
/// </summary>
public sealed record Normalization(string Name, float[] Mean, float[] Std)
{
    /// <summary>OpenAI CLIP's statistics.</summary>
    public static Normalization Clip { get; } = new("clip", new[] { 0.48145466f, 0.4578275f, 0.40821073f }, new[] { 0.26862954f, 0.26130258f, 0.27577711f });

    /// <summary>ImageNet statistics (torchvision models, ResNet-18 ONNX).</summary>
    public static Normalization ImageNet { get; } = new("imagenet", new[] { 0.485f, 0.456f, 0.406f }, new[] { 0.229f, 0.224f, 0.225f });

    /// <summary>Fashion-MNIST training-set statistics.</summary>
    public static Normalization FashionMnist { get; } = new("fashion-mnist", new[] { 0.2860f }, new[] { 0.3530f });

    /// <summary>CIFAR-100 training-set statistics.</summary>
    public static Normalization Cifar100 { get; } = new("cifar-100", new[] { 0.5071f, 0.4865f, 0.4409f }, new[] { 0.2673f, 0.2564f, 0.2762f });

    /// <summary>Maps [0, 1] to [-1, 1].</summary>
    public static Normalization Symmetric { get; } = new("symmetric", new[] { 0.5f }, new[] { 0.5f });

    /// <summary>Leaves pixels in [0, 1].</summary>
    public static Normalization None { get; } = new("none", new[] { 0f }, new[] { 1f });

    /// <summary>A preset by name (clip, imagenet, fashion-mnist, cifar-100, symmetric, none), or null.</summary>
    public static Normalization? TryGet(string name) => name.ToLowerInvariant() switch
    {
        "clip" => Clip,
        "imagenet" => ImageNet,
        "fashion-mnist" or "fashionmnist" => FashionMnist,
        "cifar-100" or "cifar100" => Cifar100,
        "symmetric" => Symmetric,
        "none" => None,
        _ => null,
    };

    /// <summary>Mean and std for <paramref name="channels"/> channels.</summary>
    public (float[] Mean, float[] Std) For(int channels)
    {
        if (Mean.Length == channels) return (Mean, Std);
        if (Mean.Length == 1) return (Enumerable.Repeat(Mean[0], channels).ToArray(), Enumerable.Repeat(Std[0], channels).ToArray());
        if (channels == 1) return (new[] { Mean.Average() }, new[] { Std.Average() });
        throw new ArgumentException($"normalisation '{Name}' has {Mean.Length} channels; images have {channels}");
    }
}
