using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Methods.Contrastive;

/// <summary>
/// The one kernel behind SupCon, HMLC, G-HMLC and A-HMLC: SupCon at each level with that level's positives, combined
/// over levels with λ weights, the HiConE constraint, inverse-frequency anchor weights and the optional batch
/// reduction. Vectorised over the batch; the only loop is over levels (finest first, because the constraint and the
/// reduction flow from fine to coarse). See docs/contrastive.md for the formulas.
/// </summary>
internal static class HierarchicalContrast
{
    /// <summary>Masked logits get this value instead of −∞ so rows with nothing to contrast stay finite (and excluded).</summary>
    const double Excluded = -1e9;

    /// <summary>
    /// The feature-identification loss shared by G-HMLC and A-HMLC: level h contrasts normalise(z ⊙ mask(h)) with that
    /// level's prefix positives (plus the optional instance level on the unmasked z), combined with HiMulCon weights,
    /// inverse-frequency weighting (on unless turned off) and the optional HiConE constraint.
    /// </summary>
    public static Tensor MaskedLevelsLoss(Tensor z, Tensor labels, int levelCount, Func<int, Tensor> maskOf, ContrastiveOptions options)
    {
        var same = LevelPositives.PrefixMasks(labels);
        var levels = new List<ContrastLevel>();
        for (int h = 0; h < levelCount; h++)
        {
            var masked = nn.functional.normalize(z * maskOf(h), dim: -1);
            levels.Add(new ContrastLevel(LevelPositives.Logits(masked, options.Temperature), same[h]));
        }
        if (options.InstanceLevel)
            levels.Add(new ContrastLevel(LevelPositives.Logits(z, options.Temperature), LevelPositives.InstanceMask(z.shape[0], z.device)));
        var how = new LevelCombination(true, options.FeatureMethodsConstraint, options.HiConEForm,
            options.InverseFrequency ?? true, options.BatchReduction, options.Temperature, options.BaseTemperature, options.LossScale);
        return Loss(levels, (int)z.shape[1], how);
    }

    /// <summary>
    /// The combined loss over <paramref name="levels"/> (ordered coarse → fine) for N samples in <paramref name="views"/>
    /// views. <paramref name="sampleWeights"/> (optional, <c>[N]</c>) multiplies every anchor's weight at every level.
    /// </summary>
    public static Tensor Loss(IReadOnlyList<ContrastLevel> levels, int views, LevelCombination how, Tensor? sampleWeights = null)
    {
        if (levels.Count == 0) throw new ArgumentException("nothing to contrast: no levels");
        var first = levels[0];
        long n = first.SameClass.shape[0];
        long m = n * views;
        var device = first.Logits.device;
        if (first.Logits.shape[0] != m)
            throw new ArgumentException($"logits are {first.Logits.shape[0]}×{first.Logits.shape[1]}, expected {m}×{m} ({views} views of {n})");

        var notSelf = eye(m, dtype: ScalarType.Bool, device: device).logical_not();
        var active = ones(n, dtype: ScalarType.Bool, device: device);
        var finerPairMax = zeros(m, dtype: first.Logits.dtype, device: device); // pairwise HiConE: per anchor view
        Tensor? finerLevelMax = null;                                               // batch-mean HiConE
        var total = zeros(Array.Empty<long>(), dtype: first.Logits.dtype, device: device);
        var strictlyEarlier = ones(n, n, dtype: ScalarType.Bool, device: device).tril(-1); // [i, j] = j < i
        double scale = how.Temperature / how.BaseTemperature;
        double lambdaSum = 0;

        for (int idx = levels.Count - 1, k = 1; idx >= 0; idx--, k++)
        {
            var level = levels[idx];
            var activePair = active.unsqueeze(1).logical_and(active.unsqueeze(0));
            var same = level.SameClass.logical_and(activePair);                          // [N, N]
            var positives = same.repeat(views, views).logical_and(notSelf);               // [M, M]
            var activeViews = active.repeat(views);                                       // [M]
            var inDenominator = notSelf.logical_and(activeViews.unsqueeze(0));            // a ≠ i, a still in the batch

            var logits = level.Logits.masked_fill(inDenominator.logical_not(), Excluded);
            var logNormaliser = logits.logsumexp(1, keepdim: true);                       // [M, 1]
            var pairLoss = logNormaliser - level.Logits;                                  // −log p(a | i) ≥ 0 on the denominator set

            var positiveCount = positives.sum(1, type: ScalarType.Int64);
            var anchors = activeViews.logical_and(positiveCount.gt(0));
            var counted = pairLoss;
            if (how.Constraint && how.ConstraintForm == HiConEForm.Pairwise)
                counted = maximum(pairLoss, finerPairMax.unsqueeze(1));
            var zero = zeros_like(counted);
            var anchorLoss = where(positives, counted, zero).sum(1) / positiveCount.clamp_min(1).to(counted.dtype);

            var weights = anchors.to(counted.dtype);
            if (how.InverseFrequency)
                weights = weights / same.sum(1).clamp_min(1).to(counted.dtype).repeat(views);
            if (sampleWeights is not null) weights = weights * sampleWeights.to(counted.dtype).repeat(views);
            var levelLoss = scale * (weights * anchorLoss).sum() / weights.sum().clamp_min(1e-12);

            if (how.Constraint && how.ConstraintForm == HiConEForm.Pairwise)
                finerPairMax = maximum(finerPairMax, where(positives, pairLoss, zero).amax(1));
            if (how.Constraint && how.ConstraintForm == HiConEForm.BatchMean)
            {
                if (finerLevelMax is not null) levelLoss = maximum(levelLoss, finerLevelMax);
                finerLevelMax = levelLoss;
            }

            double lambda = how.ExponentialLevelWeights ? Math.Exp(1.0 / k) : 1.0;
            total = total + lambda * levelLoss;
            lambdaSum += lambda;

            if (how.BatchReduction)
            {
                // Keep the first active sample of every class of this level; later duplicates leave the batch.
                var earlierTwin = same.logical_and(strictlyEarlier).any(1);
                active = active.logical_and(earlierTwin.logical_not());
            }
        }
        return how.Scale switch
        {
            LossScale.Normalised => total / lambdaSum,
            LossScale.Reference => total / (levels.Count + 1),
            _ => total / levels.Count,
        };
    }
}
