using Arbor.Hierarchy;
using Arbor.Methods.CrossEntropy;
using Arbor.Models.Clip;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Experiments.VisionLanguage;

/// <summary>
/// The linear-probe baseline: one linear classifier per level on frozen CLIP image features (projected, as
/// <see cref="ClipModel.EncodeImage"/> gives them). The module — what a checkpoint holds — is the heads alone; CLIP is
/// kept outside the module tree and reloaded from its folder.
/// </summary>
public sealed class ClipLinearProbeModel : nn.Module, IHierarchicalModel
{
    readonly LinearProbe head;
    readonly ClipHolder _clip;

    sealed class ClipHolder(ClipModel model) { public ClipModel Model { get; } = model; }

    /// <summary>Builds the heads on <paramref name="clip"/>, which is frozen and from then on owned (disposed) by this model.</summary>
    public ClipLinearProbeModel(ClipModel clip, ClassHierarchy hierarchy) : base("clip_linear_probe")
    {
        clip.Freeze();
        clip.eval();
        head = new LinearProbe(hierarchy, clip.Config.ProjectionDim);
        _clip = new ClipHolder(clip);
        RegisterComponents();
    }

    /// <summary>The per-level linear heads.</summary>
    public LinearProbe Head => head;

    /// <summary>The frozen CLIP.</summary>
    public ClipModel Clip => _clip.Model;

    nn.Module IHierarchicalModel.Module => this;

    /// <summary>Moves the heads and the frozen CLIP.</summary>
    public void MoveTo(Device device)
    {
        this.to(device);
        Clip.to(device);
    }

    /// <summary>Frozen image features [B, P].</summary>
    public Tensor Features(Tensor images) => Clip.EncodeImage(images);

    public Tensor[] LevelLogits(Tensor images)
    {
        using var scope = NewDisposeScope();
        return head.forward(Features(images)).Select(t => t.MoveToOuterDisposeScope()).ToArray();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _clip.Model.Dispose();
        base.Dispose(disposing);
    }
}
