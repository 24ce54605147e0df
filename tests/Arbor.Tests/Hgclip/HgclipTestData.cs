using Arbor.Hierarchy;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Tests.Hgclip;

static class HgclipTestData
{
    /// <summary>Coarse {A, B}; fine x, y under A and z under B. Global order A, B, x, y, z.</summary>
    public static ClassHierarchy Small() => ClassHierarchy.FromLeafPaths("small", new[] { "coarse", "fine" },
        new[] { new[] { "A", "x" }, new[] { "A", "y" }, new[] { "B", "z" } });

    /// <summary>Tree adjacency adj[dst, src]: self-loops plus parent → child.</summary>
    public static Tensor Adjacency(ClassHierarchy hierarchy)
    {
        int n = hierarchy.Nodes.Count;
        var adj = torch.eye(n);
        foreach (var node in hierarchy.Nodes)
            if (node.Parent >= 0) adj[node.Index, node.Parent] = torch.tensor(1f);
        return adj;
    }
}
