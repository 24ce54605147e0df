using Arbor.Hierarchy;
using Arbor.Methods.CrossEntropy;
using Arbor.Models.Encoders;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Experiments.VisionLanguage;

/// <summary>
/// The linear probe on a registered image tower (<c>--image-encoder</c>): one linear classifier per level on the frozen
/// tower's pooled features. The module is the heads alone; the tower is reloaded from its package.
/// </summary>
public sealed class TowerLinearProbeModel : nn.Module, IHierarchicalModel
{
    readonly LinearProbe head;
    readonly Holder _tower;

    sealed class Holder(IImageEncoder encoder) { public IImageEncoder Encoder { get; } = encoder; public FrozenEncodingCache? Cache { get; set; } }

    /// <summary>Builds the heads on <paramref name="tower"/>, which is frozen and from then on owned by this model.</summary>
    public TowerLinearProbeModel(IImageEncoder tower, ClassHierarchy hierarchy) : base("tower_linear_probe")
    {
        tower.Module.eval();
        foreach (var p in tower.Module.parameters()) p.requires_grad = false;
        head = new LinearProbe(hierarchy, tower.Width);
        _tower = new Holder(tower);
        RegisterComponents();
    }

    public LinearProbe Head => head;
    nn.Module IHierarchicalModel.Module => this;

    /// <summary>Keeps the tower's encodings in <paramref name="cache"/>.</summary>
    public void UseCache(FrozenEncodingCache cache) => _tower.Cache = cache;

    /// <summary>Frozen tower features [B, W].</summary>
    public Tensor Features(Tensor images)
    {
        using var _ = no_grad();
        var tower = _tower.Encoder;
        return (_tower.Cache is null ? tower.Encode(images) : _tower.Cache.GetOrCompute(images, false, x => tower.Encode(x, withTokens: true))).Features;
    }

    public Tensor[] LevelLogits(Tensor images)
    {
        using var scope = NewDisposeScope();
        return head.forward(Features(images)).Select(t => t.MoveToOuterDisposeScope()).ToArray();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _tower.Encoder.Dispose();
        base.Dispose(disposing);
    }
}
