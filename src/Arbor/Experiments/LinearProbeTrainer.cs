using Arbor.Evaluation;
using Arbor.Hierarchy;
using Arbor.Training;
using Arbor.Training.Optimizers;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Experiments;

/// <summary>
/// Linear evaluation: a linear classifier per level trained on frozen features (no augmentation), minibatch AdamW with a
/// cosine schedule; the epoch with the best validation score (mean top-1 over levels) is kept. Features are cached in
/// memory, so this costs seconds, not epochs of the backbone.
/// </summary>
public static class LinearProbeTrainer
{
    public sealed record Options(int Epochs = 40, int BatchSize = 256, double LearningRate = 1e-2, double WeightDecay = 1e-4, int Seed = 0);

    /// <summary>Trains <paramref name="head"/> in place; returns the best validation score.</summary>
    public static double Fit(nn.Module<Tensor, Tensor[]> head, ClassHierarchy hierarchy, FeatureSet train, FeatureSet validation,
        Options options, ProgressReporter progress)
    {
        var device = train.Features.device;
        var levelOfLeaf = hierarchy.LevelOfLeaf().Select(map => tensor(map.Select(v => (long)v).ToArray(), device: device)).ToArray();
        var parameters = head.parameters().ToArray();
        using var optimizer = new AdamWOptimizer(parameters, options.LearningRate, options.WeightDecay);
        int perEpoch = (train.Count + options.BatchSize - 1) / options.BatchSize;
        var schedule = new LearningRateSchedule(options.LearningRate, options.Epochs * perEpoch);
        var generator = new Generator((ulong)options.Seed + 17);
        double best = double.NegativeInfinity;
        Dictionary<string, Tensor>? bestState = null;
        int step = 0;
        progress.Start("linear probe", options.Epochs);
        for (int epoch = 0; epoch < options.Epochs; epoch++)
        {
            head.train();
            using (var scope = NewDisposeScope())
            {
                var order = randperm(train.Count, generator: generator).to(device);   // the seeded generator draws on the CPU
                for (int b = 0; b < perEpoch; b++)
                {
                    using var stepScope = NewDisposeScope();
                    var idx = order.narrow(0, b * options.BatchSize, Math.Min(options.BatchSize, train.Count - b * options.BatchSize));
                    var x = train.Features.index_select(0, idx);
                    var leaves = train.Leaves.index_select(0, idx);
                    optimizer.LearningRate = schedule.RateAt(step++);
                    optimizer.ZeroGrad();
                    var logits = head.forward(x);
                    Tensor loss = zeros(1, device: device);
                    for (int l = 0; l < logits.Length; l++)
                        loss = loss + nn.functional.cross_entropy(logits[l], levelOfLeaf[l].index_select(0, leaves));
                    (loss / logits.Length).backward();
                    optimizer.Step();
                }
            }
            head.eval();
            double score = MeanTop1(head, hierarchy, validation);
            if (score > best)
            {
                best = score;
                foreach (var t in bestState?.Values ?? Enumerable.Empty<Tensor>()) t.Dispose();
                bestState = head.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
            }
            progress.Step(epoch + 1, $"val {score:F4}");
        }
        optimizer.ZeroGrad();
        if (bestState is not null)
        {
            using (no_grad())
                foreach (var (name, t) in head.state_dict()) t.copy_(bestState[name]);
            foreach (var t in bestState.Values) t.Dispose();
        }
        foreach (var t in levelOfLeaf) t.Dispose();
        head.eval();
        return best;
    }

    /// <summary>Mean over levels of top-1 accuracy of <paramref name="head"/> on a feature set.</summary>
    public static double MeanTop1(nn.Module<Tensor, Tensor[]> head, ClassHierarchy hierarchy, FeatureSet set)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var metrics = new MetricsAccumulator(hierarchy, Decoding.Independent, confusion: false);
        for (int start = 0; start < set.Count; start += 1024)
        {
            int n = Math.Min(1024, set.Count - start);
            metrics.Add(head.forward(set.Features.narrow(0, start, n)), set.Leaves.narrow(0, start, n));
        }
        return metrics.Compute().Levels.Average(l => l.Top1);
    }
}
