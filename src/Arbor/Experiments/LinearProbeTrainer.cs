using Arbor.Evaluation;
using Arbor.Hierarchy;
using Arbor.Training;
using Arbor.Training.Optimizers;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Experiments;

/// <summary>
/// Linear evaluation: a linear classifier per level trained on frozen features (no augmentation); the epoch with the best
/// validation score (mean top-1 over levels) is kept. Features are cached in memory, so this costs seconds, not epochs of
/// the backbone. Arbor's recipe is minibatch AdamW with a cosine schedule and the level losses averaged; the HMLC
/// reference's (<see cref="Options.Reference"/>) is SGD with momentum and a step decay, each level's classifier trained on
/// its own loss (the level losses summed, which for independent heads on frozen features is the same as training one
/// probe per level).
/// </summary>
public static class LinearProbeTrainer
{
    /// <summary>
    /// The probe's recipe. <c>Optimizer</c> is "adamw" or "sgd" (with <c>Momentum</c>); <c>StepMilestones</c> are the epochs
    /// after which the rate is multiplied by <c>StepDecay</c> (null: cosine decay); <c>SumLevelLosses</c> sums the per-level
    /// losses instead of averaging them.
    /// </summary>
    public sealed record Options(int Epochs = 40, int BatchSize = 256, double LearningRate = 1e-2, double WeightDecay = 1e-4, int Seed = 0,
        string Optimizer = "adamw", double Momentum = 0.9, IReadOnlyList<int>? StepMilestones = null, double StepDecay = 0.2,
        bool SumLevelLosses = false)
    {
        /// <summary>Cosine decay (or the step milestones), or <see cref="ScheduleKind.Plateau"/>: the rate ×0.1 after five
        /// epochs without a better validation score, as the trainer does for the end-to-end methods.</summary>
        public ScheduleKind Schedule { get; init; } = ScheduleKind.Cosine;

        /// <summary>The loss of a batch from its per-level logits and leaf ids; null: the per-level cross-entropies, averaged
        /// (or summed with <see cref="SumLevelLosses"/>). A head trained on cached tower encodings passes its method's loss.</summary>
        public Func<Tensor[], Tensor, Tensor>? Loss { get; init; }

        /// <summary>What the progress line calls this phase.</summary>
        public string Phase { get; init; } = "linear probe";

        /// <summary>The HMLC reference's linear evaluation: SGD 0.1, momentum 0.9, no weight decay, batch 256, ×0.2 after
        /// epochs 30, 60 and 90 of 100.</summary>
        public static Options Reference(int epochs = 100, int seed = 0) => new(epochs, 256, 0.1, 0, seed, "sgd", 0.9,
            new[] { 30, 60, 90 }, 0.2, SumLevelLosses: true);

        /// <summary>The learning rate of 0-based step <paramref name="step"/>.</summary>
        internal double RateAt(int step, int stepsPerEpoch, LearningRateSchedule cosine)
        {
            if (StepMilestones is null) return cosine.RateAt(step);
            int epoch = step / stepsPerEpoch;
            return LearningRate * Math.Pow(StepDecay, StepMilestones.Count(m => epoch >= m));
        }
    }

    /// <summary>Trains <paramref name="head"/> in place; returns the best validation score.</summary>
    public static double Fit(nn.Module<Tensor, Tensor[]> head, ClassHierarchy hierarchy, FeatureSet train, FeatureSet validation,
        Options options, ProgressReporter progress)
    {
        var device = train.Features.device;
        var levelOfLeaf = hierarchy.LevelOfLeaf().Select(map => tensor(map.Select(v => (long)v).ToArray(), device: device)).ToArray();
        var parameters = head.parameters().ToArray();
        using var optimizer = OptimizerFactory.Create(options.Optimizer, parameters, options.LearningRate, options.WeightDecay, options.Momentum);
        int perEpoch = (train.Count + options.BatchSize - 1) / options.BatchSize;
        var schedule = new LearningRateSchedule(options.LearningRate, options.Epochs * perEpoch);
        var plateau = options.Schedule == ScheduleKind.Plateau ? new PlateauSchedule(options.LearningRate) : null;
        var generator = new Generator((ulong)options.Seed + 17);
        double best = double.NegativeInfinity;
        Dictionary<string, Tensor>? bestState = null;
        int step = 0;
        using var phase = progress.Nested(options.Phase, options.Epochs);
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
                    optimizer.LearningRate = plateau?.Rate ?? options.RateAt(step, perEpoch, schedule);
                    step++;
                    optimizer.ZeroGrad();
                    var logits = head.forward(x);
                    Tensor loss;
                    if (options.Loss is not null) loss = options.Loss(logits, leaves);
                    else
                    {
                        loss = zeros(1, device: device);
                        for (int l = 0; l < logits.Length; l++)
                            loss = loss + nn.functional.cross_entropy(logits[l], levelOfLeaf[l].index_select(0, leaves));
                        if (!options.SumLevelLosses) loss = loss / logits.Length;
                    }
                    loss.backward();
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
            if (plateau?.Step(score) == true)
                progress.Line($"{options.Phase}: epoch {epoch + 1}, no better validation score for {plateau.Patience + 1} epochs: learning rate now {plateau.Rate:G3}");
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
