using Arbor.Hierarchy;
using Arbor.Methods.Contrastive;
using Arbor.Methods.CrossEntropy;
using Arbor.Models.Vision;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Experiments;

/// <summary>
/// The whole model of an image method, as one module so a checkpoint holds all of it: a backbone, a per-level
/// classification head (trained end to end for cross-entropy methods; the linear probe for contrastive ones), and for
/// contrastive methods the projection head and the objective's own state (A-HMLC mask heads, G-HMLC masks).
/// </summary>
public sealed class ImageMethodModel : nn.Module, IHierarchicalModel
{
    // Field names are the checkpoint's key prefixes.
    readonly ImageBackbone backbone;
    readonly nn.Module<Tensor, Tensor[]> head;
    readonly ProjectionHead? projection;
    readonly ContrastiveObjective? objective;

    public ImageBackbone Backbone => backbone;
    public nn.Module<Tensor, Tensor[]> Head => head;
    public ProjectionHead? Projection => projection;
    public ContrastiveObjective? Objective => objective;
    public string Method { get; }
    public ClassHierarchy Hierarchy { get; }

    public ImageMethodModel(string method, ClassHierarchy hierarchy, string backboneName, int inChannels, double temperature)
        : this(method, hierarchy, backboneName, inChannels, new ContrastiveOptions { Temperature = temperature }) { }

    /// <summary>A model whose contrastive objective (if the method has one) uses <paramref name="options"/>; the
    /// cross-entropy methods ignore them.</summary>
    public ImageMethodModel(string method, ClassHierarchy hierarchy, string backboneName, int inChannels, ContrastiveOptions options)
        : base(nameof(ImageMethodModel))
    {
        Method = method;
        Hierarchy = hierarchy;
        var family = MethodCatalog.Get(method).Family;
        backbone = Backbones.Create(backboneName, inChannels);
        head = family == MethodFamily.Contrastive ? new LinearProbe(hierarchy, backbone.FeatureDim)
            : method == "ce" ? new LeafCrossEntropyHead(hierarchy, backbone.FeatureDim)
            : new LevelHeads(hierarchy, backbone.FeatureDim);
        if (family == MethodFamily.Contrastive)
        {
            projection = new ProjectionHead(backbone.FeatureDim);
            objective = ContrastiveObjectives.Create(method, hierarchy, projection.OutputDim, backbone.FeatureDim,
                options);
        }
        RegisterComponents();
    }

    nn.Module IHierarchicalModel.Module => this;

    /// <summary>Per-level logits [B, classes] of a batch of images (backbone then head).</summary>
    public Tensor[] LevelLogits(Tensor images) => head.forward(backbone.forward(AsInput(images)));

    /// <summary>
    /// The loader's float32 images in the floating type of the backbone's weights: unchanged for the usual float32 model;
    /// a model converted to float64 (the data-parallel exactness tests) takes the same batches.
    /// </summary>
    public Tensor AsInput(Tensor images)
    {
        var type = backbone.parameters().FirstOrDefault()?.dtype ?? images.dtype;
        return type == images.dtype || !images.is_floating_point() ? images : images.to(type);
    }
}
