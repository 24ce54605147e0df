using Arbor.Hierarchy;
using Arbor.Methods.Contrastive;
using Arbor.Reporting;
using static TorchSharp.torch;

namespace Arbor.Experiments;

/// <summary>
/// The level masks a trained feature-identification model holds, as a <see cref="LevelMaskSummary"/>: G-HMLC's hard
/// masks straight from its <c>level_masks</c> buffer, A-HMLC's soft masks averaged over backbone features the run has
/// already extracted (the linear probe's validation features), so no extra pass over the data is made.
/// </summary>
public static class RunLevelMasks
{
    /// <summary>Rows pushed through the mask heads at once (bounds the memory of the [rows, D] mask tensors).</summary>
    const int Chunk = 4096;

    /// <summary>
    /// The summary for <paramref name="objective"/>, or null when the method has no level masks. A-HMLC needs
    /// <paramref name="features"/> <c>[M, F]</c> (backbone features of M images, M ≥ 1), described in the summary as
    /// <paramref name="featureSource"/> (e.g. "validation images").
    /// </summary>
    public static LevelMaskSummary? Of(ContrastiveObjective? objective, ClassHierarchy hierarchy, Tensor? features = null,
        string featureSource = "images")
    {
        switch (objective)
        {
            case GHmlcLoss g:
            {
                using var masks = g.Masks;
                return new LevelMaskSummary(g.Method, hard: true, "the model's level_masks buffer, as saved with the best epoch",
                    0, hierarchy.LevelNames, Rows(masks));
            }
            case AHmlcLoss a:
            {
                if (features is null || features.dim() != 2 || features.shape[0] == 0)
                    throw new ArgumentException("A-HMLC's mask summary needs backbone features [M, F] of at least one image");
                using var scope = NewDisposeScope();
                using var grad = no_grad();
                var type = a.parameters().First().dtype;
                long m = features.shape[0];
                Tensor? sum = null;
                for (long start = 0; start < m; start += Chunk)
                {
                    var rows = features.narrow(0, start, Math.Min(Chunk, m - start)).to(type);
                    var perLevel = stack(a.Masks(rows), 0).to(ScalarType.Float64).sum(1);   // [H, D]
                    sum = sum is null ? perLevel : sum + perLevel;
                }
                var mean = sum! / m;
                // Six decimals: what masks.json keeps, so the summary in memory is the one a reader gets back.
                var values = Rows(mean).Select(r => r.Select(v => Math.Round(v, 6)).ToArray()).ToArray();
                return new LevelMaskSummary(a.Method, hard: false, $"mean over {m:N0} {featureSource}", (int)m,
                    hierarchy.LevelNames, values);
            }
            default:
                return null;
        }
    }

    static double[][] Rows(Tensor masks)
    {
        using var scope = NewDisposeScope();
        var cpu = masks.to(ScalarType.Float64).cpu();
        long h = cpu.shape[0], d = cpu.shape[1];
        var flat = cpu.data<double>().ToArray();
        return Enumerable.Range(0, (int)h).Select(i => flat.AsSpan((int)(i * d), (int)d).ToArray()).ToArray();
    }
}
