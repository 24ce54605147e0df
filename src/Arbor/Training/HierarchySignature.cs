using System.Security.Cryptography;
using System.Text;
using Arbor.Hierarchy;

namespace Arbor.Training;

/// <summary>A short, stable fingerprint of a hierarchy's structure and names (for checkpoints and caches).</summary>
public static class HierarchySignature
{
    /// <summary>E.g. "2/6/10 #1a2b3c4d": class counts per level and a hash of every node's name, level and parent.</summary>
    public static string Of(ClassHierarchy hierarchy)
    {
        var text = new StringBuilder();
        text.AppendJoin('|', hierarchy.LevelNames).Append('\n');
        foreach (var n in hierarchy.Nodes) text.Append(n.Level).Append('\t').Append(n.Name).Append('\t').Append(n.Parent).Append('\n');
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()));
        return $"{string.Join('/', hierarchy.ClassCounts)} #{Convert.ToHexString(hash, 0, 4).ToLowerInvariant()}";
    }
}
