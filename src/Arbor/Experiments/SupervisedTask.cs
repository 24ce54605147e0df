using Arbor.Data;
using Arbor.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Arbor.Experiments;

/// <summary>
/// Cross-entropy training of backbone + head. "ce": one softmax over leaves (the head's finest output), coarse levels
/// read off by marginalising; "ce-levels": the mean of one cross-entropy per level.
/// </summary>
public sealed class SupervisedTask : ITrainingTask
{
    readonly ImageMethodModel _model;
    readonly bool _leafOnly;

    public SupervisedTask(ImageMethodModel model)
    {
        _model = model;
        _leafOnly = model.Method == "ce";
        TrainableParameters = model.Backbone.parameters().Concat(model.Head.parameters()).ToArray();
    }

    public nn.Module Model => _model;
    public IReadOnlyList<Parameter> TrainableParameters { get; }

    public Tensor Loss(Batch batch)
    {
        var logits = _model.LevelLogits(batch.Images);
        if (_leafOnly) return nn.functional.cross_entropy(logits[^1], batch.Leaves);
        var total = nn.functional.cross_entropy(logits[0], batch.LevelLabels[0]);
        for (int l = 1; l < logits.Length; l++) total = total + nn.functional.cross_entropy(logits[l], batch.LevelLabels[l]);
        return total / logits.Length;
    }
}
