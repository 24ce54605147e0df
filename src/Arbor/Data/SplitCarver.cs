namespace Arbor.Data;

/// <summary>
/// Carves a held-out part (validation, or test for datasets without one) from a pool of images, deterministically from
/// a seed and a fraction, stratified by leaf: each leaf gives about that fraction of its images, and a leaf with a single
/// image keeps it in the pool.
/// </summary>
public static class SplitCarver
{
    /// <summary>Splits <paramref name="pool"/> into (train, validation).</summary>
    public static (ImageDataset Train, ImageDataset Validation) CarveValidation(ImageDataset pool, double fraction, int seed, string name)
    {
        var (keep, held) = Carve(pool.Leaves, fraction, seed);
        return (pool.Subset(keep, $"{name} train"), pool.Subset(held, $"{name} validation"));
    }

    /// <summary>
    /// Indices kept and held out, both ascending. Within every leaf the images are ranked in a seeded random order; an
    /// image's key is (rank + u) / count with u uniform in [0, 1), and the <c>round(fraction · N)</c> smallest keys are
    /// held out — so every leaf contributes close to its share, even leaves with two or three images.
    /// </summary>
    public static (int[] Keep, int[] Held) Carve(IReadOnlyList<int> leaves, double fraction, int seed)
    {
        if (fraction is < 0 or >= 1 || double.IsNaN(fraction))
            throw new ArborException($"held-out fraction must be in [0, 1), got {fraction}");
        int n = leaves.Count;
        var random = new Random(seed);
        var byLeaf = new Dictionary<int, List<int>>();
        for (int i = 0; i < n; i++)
        {
            if (!byLeaf.TryGetValue(leaves[i], out var list)) byLeaf[leaves[i]] = list = new List<int>();
            list.Add(i);
        }
        var keys = new List<(double Key, int Index)>(n);
        foreach (var leaf in byLeaf.Keys.Order())
        {
            var members = byLeaf[leaf].ToArray();
            if (members.Length < 2) continue;                  // a lone image stays in the pool
            random.Shuffle(members);
            for (int r = 0; r < members.Length; r++) keys.Add(((r + random.NextDouble()) / members.Length, members[r]));
        }
        int take = Math.Min((int)Math.Round(fraction * n), keys.Count);
        var held = keys.OrderBy(k => k.Key).ThenBy(k => k.Index).Take(take).Select(k => k.Index).ToHashSet();
        var keep = Enumerable.Range(0, n).Where(i => !held.Contains(i)).ToArray();
        return (keep, held.Order().ToArray());
    }
}
