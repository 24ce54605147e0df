using Arbor.Hierarchy;

namespace Arbor.Data;

/// <summary>
/// Plans batches of groups of four (as HMLC samples pairs at every level): an anchor; another image of the same leaf; an
/// image of a different leaf under the same parent; an image from a different level-1 branch. When a partner cannot exist
/// (a leaf with one image, a parent with one child, a single level-1 class) the nearest available kind is used: the anchor
/// itself, then an image of the same leaf, then any other leaf. Anchors run through a seeded permutation of the dataset, so an
/// epoch has as many batches as random sampling would.
/// </summary>
public static class HierarchicalSampler
{
    /// <summary>Dataset indices of every batch of an epoch.</summary>
    public static int[][] Plan(IReadOnlyList<int> leaves, ClassHierarchy hierarchy, int batchSize, bool dropLast, int seed, int epoch)
    {
        if (batchSize < 4) throw new ArgumentOutOfRangeException(nameof(batchSize), "the hierarchical sampler needs batches of at least 4");
        int n = leaves.Count;
        var random = new Random(BatchLoader.MixSeed(seed, epoch, -1));
        var byLeaf = new List<int>[hierarchy.LeafCount];
        for (int l = 0; l < byLeaf.Length; l++) byLeaf[l] = new List<int>();
        for (int i = 0; i < n; i++) byLeaf[leaves[i]].Add(i);
        var present = Enumerable.Range(0, byLeaf.Length).Where(l => byLeaf[l].Count > 0).ToArray();
        int depth = hierarchy.Depth;
        // Leaves with images, grouped by parent (level depth-1) and by level-1 branch.
        var siblings = present.GroupBy(l => depth > 1 ? hierarchy.AncestorAt(l, depth - 1) : 0).ToDictionary(g => g.Key, g => g.ToArray());
        var branches = present.GroupBy(l => hierarchy.AncestorAt(l, 1)).ToDictionary(g => g.Key, g => g.ToArray());

        int Pick(List<int> list) => list[random.Next(list.Count)];
        int SameLeaf(int anchor)
        {
            var list = byLeaf[leaves[anchor]];
            if (list.Count == 1) return anchor;
            int other = list[random.Next(list.Count - 1)];
            return other == anchor ? list[^1] : other;
        }
        int OtherLeaf(int anchor, int[] candidates)
        {
            int leaf = leaves[anchor];
            if (candidates.Length == 0 || (candidates.Length == 1 && candidates[0] == leaf)) return -1;
            int pick;
            do pick = candidates[random.Next(candidates.Length)]; while (pick == leaf);
            return Pick(byLeaf[pick]);
        }

        var order = Enumerable.Range(0, n).ToArray();
        random.Shuffle(order);
        int groupsPerBatch = batchSize / 4;
        int batches = dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
        var plan = new int[batches][];
        int next = 0;
        for (int bi = 0; bi < batches; bi++)
        {
            int groups = Math.Min(groupsPerBatch, Math.Max(1, (n - bi * batchSize + 3) / 4));
            var batch = new int[groups * 4];
            for (int g = 0; g < groups; g++)
            {
                int anchor = order[next++ % n];
                int leaf = leaves[anchor];
                int same = SameLeaf(anchor);
                int sibling = OtherLeaf(anchor, depth > 1 ? siblings[hierarchy.AncestorAt(leaf, depth - 1)] : present);
                if (sibling < 0) sibling = same;
                int top = hierarchy.AncestorAt(leaf, 1);
                var otherBranches = branches.Keys.Where(k => k != top).ToArray();
                int far = otherBranches.Length == 0 ? OtherLeaf(anchor, present)
                    : PickLeafImage(branches[otherBranches[random.Next(otherBranches.Length)]]);
                if (far < 0) far = sibling;
                batch[4 * g] = anchor;
                batch[4 * g + 1] = same;
                batch[4 * g + 2] = sibling;
                batch[4 * g + 3] = far;
            }
            plan[bi] = batch;
        }
        return plan;

        int PickLeafImage(int[] leafIds) => Pick(byLeaf[leafIds[random.Next(leafIds.Length)]]);
    }
}
