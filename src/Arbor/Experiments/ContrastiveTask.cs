using Arbor.Data;
using Arbor.Methods.Contrastive;
using Arbor.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Arbor.Experiments;

/// <summary>
/// Contrastive pretraining: both augmented views go through the backbone and projection head in one pass; the objective
/// sees z [N, 2, D], the labels at every level [N, L] and (for A-HMLC) the backbone features [N, 2, F]. G-HMLC's masks are
/// refit on schedule from features of a fixed sample of training images.
/// </summary>
public sealed class ContrastiveTask : ITrainingTask
{
    readonly ImageMethodModel _model;
    readonly Func<(Tensor Z, Tensor Labels)>? _refitSample;
    readonly ProjectionCollapse _collapse = new();
    Distributed.IProcessGroup _group = Distributed.SingleProcessGroup.Instance;

    /// <param name="model">Backbone, projection head and objective.</param>
    /// <param name="refitSample">For G-HMLC: embeds a fixed sample of training images (no augmentation) → (z [M, D], labels [M, L]).</param>
    public ContrastiveTask(ImageMethodModel model, Func<(Tensor Z, Tensor Labels)>? refitSample = null)
    {
        _model = model;
        _refitSample = refitSample;
        TrainableParameters = model.Backbone.parameters()
            .Concat(model.Projection!.parameters())
            .Concat(model.Objective!.parameters())
            .ToArray();
    }

    public nn.Module Model => _model;
    public IReadOnlyList<Parameter> TrainableParameters { get; }

    public void OnEpochStart(int epoch)
    {
        _collapse.Reset();
        if (_model.Objective is GHmlcLoss masks && _refitSample is not null && masks.NeedsRefit(epoch))
        {
            using var scope = NewDisposeScope();
            _model.eval();
            (Tensor z, Tensor labels) sample;
            using (no_grad()) sample = _refitSample();
            masks.Refit(sample.z, sample.labels);
            _model.train();
        }
    }

    /// <summary>The loss couples every pair of the global batch (as SupCon's reference does under DDP): each rank gathers
    /// the embeddings and labels of all ranks, keeps the gradient path to its own rows, and computes the global loss.</summary>
    public void JoinProcessGroup(Distributed.IProcessGroup group) => _group = group;

    public Tensor Loss(Batch batch)
    {
        if (batch.View2 is null) throw new InvalidOperationException("contrastive training needs a loader with two views");
        int n = batch.Count;
        var both = _model.AsInput(cat(new[] { batch.Images, batch.View2 }, 0));   // [2N, C, H, W]
        var h = _model.Backbone.forward(both);                                // [2N, F]
        var z = _model.Projection!.forward(h);                                // [2N, D], normalised
        var zViews = z.view(2, n, -1).transpose(0, 1);                        // [N, 2, D]
        var hViews = h.view(2, n, -1).transpose(0, 1);                        // [N, 2, F]
        var labels = stack(batch.LevelLabels, 1);                             // [N, L]
        if (_group.Size > 1)
        {
            // Rank order = the global batch's row order, so the loss sees exactly the single-process batch.
            zViews = Distributed.DifferentiableCollectives.AllGatherRows(_group, zViews.contiguous());
            hViews = Distributed.DifferentiableCollectives.AllGatherRows(_group, hViews.contiguous());
            labels = _group.AllGather(labels).flatten(0, 1);
        }
        _collapse.Observe(zViews);
        return _model.Objective!.Loss(zViews, labels, hViews);
    }

    /// <summary>Warns once when an epoch's projection has collapsed, with the fix that fits the objective.</summary>
    public string? EpochWarning(int epoch) => _collapse.Warning(epoch,
        _model.Objective is ContrastiveObjective { AppliesPairwiseHiConE: true }
            ? "The per-pair HiConE constraint (--hicone pairwise, the paper's form and the default) is known to hold the " +
              "projection there; --hicone batch-mean (the reference code's form) trains like HMLC (docs/results.md)."
            : "Try a lower --lr or a higher --temperature.");
}
