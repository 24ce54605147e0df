using Arbor.Data;
using Arbor.Models.Encoders;
using static TorchSharp.torch;

namespace Arbor.Tests.Onnx;

/// <summary>
/// The two pretrained towers, loaded once for all tests of the collection (reading 150 MB of weights per test would
/// dominate the suite), and the real inputs they are checked on.
/// </summary>
public sealed class PretrainedTowers : IDisposable
{
    public ResNet18ImageNet ResNet { get; } = ResNet18ImageNet.Load();
    public MiniLmText MiniLm { get; } = MiniLmText.Load();

    public PretrainedTowers()
    {
        ResNet.eval();
        MiniLm.eval();
    }

    /// <summary>Real photographs: Fashion-MNIST test images (shirt, trouser, bag …) as RGB 224 px in [0, 1], [n, 3, 224, 224].</summary>
    public static Tensor RealImages(params int[] indices)
    {
        using var scope = NewDisposeScope();
        var set = FashionMnist.ReadEmbedded();
        var images = stack(indices.Select(set.GetImage).ToArray());                      // [n, 1, 28, 28]
        var rgb = images.expand(-1, 3, -1, -1);
        var big = nn.functional.interpolate(rgb, [224, 224], mode: InterpolationMode.Bilinear, align_corners: false);
        // A colour cast per image, so the three channels (and the RGB → BGR swap) differ.
        var tint = tensor(new[] { 1.0f, 0.8f, 0.6f, 0.7f, 1.0f, 0.9f, 0.9f, 0.75f, 1.0f }).reshape(3, 3, 1, 1)[..indices.Length];
        return (big * tint.repeat(indices.Length / 3 + 1, 1, 1, 1)[..indices.Length]).clamp(0, 1).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>Texts of the kind the towers encode: class names, prompts, a sentence with punctuation and accents.</summary>
    public static readonly string[] Texts =
    {
        "a photo of a grinning face with big eyes.",
        "Ankle boot",
        "A café's crème brûlée — served at 9:30, 2 × per week!",
        "smileys & emotion / face-affection / smiling face with hearts",
    };

    public void Dispose()
    {
        ResNet.Dispose();
        MiniLm.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class PretrainedCollection : ICollectionFixture<PretrainedTowers>
{
    public const string Name = "pretrained towers";
}
