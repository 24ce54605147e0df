using Arbor.Data;
using Arbor.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Arbor.Methods.Hgclip;

/// <summary>Training HGCLIP (or a prompt baseline) with the shared trainer: per-level logits, then <see cref="HgclipLoss"/>.</summary>
public sealed class HgclipTask : ITrainingTask
{
    readonly HgclipModel _model;
    readonly HgclipLoss _loss;

    public HgclipTask(HgclipModel model)
    {
        _model = model;
        _loss = new HgclipLoss(model.Hierarchy);
        TrainableParameters = model.TrainableParameters;
    }

    public nn.Module Model => _model;

    public IReadOnlyList<Parameter> TrainableParameters { get; }

    public Tensor Loss(Batch batch) => _loss.Compute(_model.LevelLogits(batch.Images), batch.Leaves);
}
