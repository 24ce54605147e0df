using Arbor.Hierarchy;

namespace Arbor.Methods.Contrastive;

/// <summary>Contrastive objectives by method name, for the CLI's <c>--method</c>.</summary>
public static class ContrastiveObjectives
{
    /// <summary>Method names accepted by <see cref="Create"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = new[] { "supcon", "hmlc", "hicone", "himulcone", "g-hmlc", "a-hmlc" };

    /// <summary>
    /// The objective for <paramref name="method"/> (case-insensitive) over <paramref name="hierarchy"/>'s levels, for
    /// projections of width <paramref name="projectionDim"/> on backbone features of width <paramref name="featureDim"/>.
    /// An unknown name is an <see cref="ArborException"/> listing the valid ones.
    /// </summary>
    public static ContrastiveObjective Create(string method, ClassHierarchy hierarchy, int projectionDim, int featureDim,
        ContrastiveOptions? options = null)
    {
        options ??= new ContrastiveOptions();
        return method.Trim().ToLowerInvariant() switch
        {
            "supcon" => new SupConLoss(options),
            "hmlc" or "himulcon" => new HmlcLoss(HmlcVariant.HiMulCon, options),
            "hicone" => new HmlcLoss(HmlcVariant.HiConE, options),
            "himulcone" => new HmlcLoss(HmlcVariant.HiMulConE, options),
            "g-hmlc" or "ghmlc" => new GHmlcLoss(hierarchy, projectionDim, options),
            "a-hmlc" or "ahmlc" => new AHmlcLoss(hierarchy, projectionDim, featureDim, options),
            _ => throw new ArborException($"unknown contrastive method '{method}'; valid methods: {string.Join(", ", Names)}"),
        };
    }
}
