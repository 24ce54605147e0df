using System.Text.Json;

namespace Arbor.Data.Benchmarks;

/// <summary>One BREEDS superclass: its WordNet id and name, and its source and target subclasses (ImageNet WordNet ids).</summary>
internal sealed record BreedsSuperclass(string Wnid, string Name, IReadOnlyList<string> Source, IReadOnlyList<string> Target);

/// <summary>
/// The BREEDS subpopulation-shift datasets (Santurkar, Tsipras, Madry 2021) derived from the hierarchy files of
/// MadryLab/BREEDS-Benchmarks (<c>imagenet_class_hierarchy/modified/{dataset_class_info.json, class_hierarchy.txt,
/// node_names.txt}</c>) by the rules of the robustness library's <c>make_living17</c>, <c>make_nonliving26</c>,
/// <c>make_entity13</c>, <c>make_entity30</c> with the "good" split HGCLIP uses:
/// <list type="number">
/// <item>the graph keeps every edge on a path up from an ImageNet class; a node's level is its longest distance from the
/// root <c>n00001740</c> (entity);</item>
/// <item>superclasses are the nodes at the dataset's level (under its ancestor, if any), sorted by WordNet id, that reach at
/// least N ImageNet classes (Entity-13: level 3, N 20; Entity-30: level 4, N 8; Living-17: level 5 under living thing
/// n00004258, N 4; Nonliving-26: level 5 under non-living thing n00021939, N 4);</item>
/// <item>each superclass is split into N/2 source and N/2 target classes: descend while the node has one child; group its
/// children's reachable classes (each sorted), take the groups largest first (ties in WordNet-id order); from a group of one
/// class put it in source while source is short, else in target; from a larger group put its first min(size/2, room in
/// source) classes in source and the next ones, up to the room in target, in target.</item>
/// </list>
/// tests/Arbor.Tests/Data/Benchmarks/BreedsTests.cs checks the four datasets against the robustness library's own output
/// (on the real files when ARBOR_BREEDS_INFO names their folder) and the rules on a miniature hierarchy.
/// </summary>
internal static class BreedsSplit
{
    const string Root = "n00001740";

    /// <summary>A BREEDS dataset's rule: level, ancestor (or null) and subclasses per superclass.</summary>
    public sealed record Rule(string Name, string Title, int Level, string? Ancestor, int Subclasses);

    public static readonly Rule[] Rules =
    {
        new("living-17", "Living-17", 5, "n00004258", 4),
        new("nonliving-26", "Nonliving-26", 5, "n00021939", 4),
        new("entity-13", "Entity-13", 3, null, 20),
        new("entity-30", "Entity-30", 4, null, 8),
    };

    public static readonly string[] Files = { "dataset_class_info.json", "class_hierarchy.txt", "node_names.txt" };

    /// <summary>The three hierarchy files' texts from <paramref name="folder"/>, which must hold all three.</summary>
    public static (string[] Texts, string[] Sources) ReadFiles(string folder)
    {
        var paths = Files.Select(f => Path.Combine(folder, f)).ToArray();
        foreach (var path in paths)
            if (!File.Exists(path))
                throw new DatasetException($"the BREEDS hierarchy needs {string.Join(", ", Files)}; this one is missing", path);
        try { return (paths.Select(File.ReadAllText).ToArray(), paths); }
        catch (IOException e) { throw new DatasetException($"cannot read the BREEDS hierarchy: {e.Message}", folder); }
    }

    /// <summary>The superclasses of a rule, in label order, from the three files' texts.</summary>
    public static IReadOnlyList<BreedsSuperclass> Make(Rule rule, string[] texts, string[] sources)
    {
        var leafIds = ReadLeaves(texts[0], sources[0]);
        var leafSet = leafIds.ToHashSet(StringComparer.Ordinal);
        var parentsOf = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var inGraph = new HashSet<string>(StringComparer.Ordinal);
        int lineNo = 0;
        foreach (var raw in texts[1].Split('\n'))
        {
            lineNo++;
            var line = raw.Trim();
            if (line.Length == 0) continue;
            var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2) throw new DatasetException($"expected 'parent child', found '{line}'", sources[1], lineNo);
            if (!parentsOf.TryGetValue(parts[1], out var list)) parentsOf[parts[1]] = list = new List<string>();
            list.Add(parts[0]);
            inGraph.Add(parts[0]);
            inGraph.Add(parts[1]);
        }
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        lineNo = 0;
        foreach (var raw in texts[2].Split('\n'))
        {
            lineNo++;
            var line = raw.TrimEnd('\r');
            if (line.Trim().Length == 0) continue;
            int tab = line.IndexOf('\t');
            if (tab <= 0) throw new DatasetException($"expected 'wnid<TAB>name', found '{line}'", sources[2], lineNo);
            names[line[..tab].Trim()] = line[(tab + 1)..].Trim();
        }

        // 1. The graph of edges on paths up from the classes.
        var children = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var todo = leafIds.Where(inGraph.Contains).ToHashSet(StringComparer.Ordinal);
        while (todo.Count > 0)
        {
            var next = new HashSet<string>(StringComparer.Ordinal);
            foreach (var w in todo)
                foreach (var p in parentsOf.GetValueOrDefault(w) ?? new List<string>())
                {
                    if (!children.TryGetValue(p, out var set)) children[p] = set = new HashSet<string>(StringComparer.Ordinal);
                    set.Add(w);
                    next.Add(p);
                }
            todo = next;
        }
        IEnumerable<string> Children(string n) => children.TryGetValue(n, out var set) ? set : Enumerable.Empty<string>();
        if (!children.ContainsKey(Root))
            throw new DatasetException($"the root {Root} (entity) is not an ancestor of any class", sources[1]);

        // Longest distance from the root (a node is re-visited only when a longer path reaches it).
        var level = new Dictionary<string, int>(StringComparer.Ordinal) { [Root] = 0 };
        var queue = new Queue<string>(new[] { Root });
        while (queue.Count > 0)
        {
            var n = queue.Dequeue();
            foreach (var c in Children(n))
                if (!level.TryGetValue(c, out int d) || d < level[n] + 1)
                {
                    level[c] = level[n] + 1;
                    queue.Enqueue(c);
                }
        }

        HashSet<string> Reachable(string n)
        {
            var found = new HashSet<string>(StringComparer.Ordinal);
            var stack = new Stack<string>(new[] { n });
            var seen = new HashSet<string>(StringComparer.Ordinal);
            while (stack.Count > 0)
                foreach (var c in Children(stack.Pop()))
                {
                    if (leafSet.Contains(c)) found.Add(c);
                    else if (seen.Add(c)) stack.Push(c);
                }
            if (leafSet.Contains(n)) found.Add(n);
            return found;
        }

        // 2. The superclasses at the rule's level, under its ancestor.
        HashSet<string>? under = null;
        if (rule.Ancestor is { } ancestor)
        {
            under = new HashSet<string>(StringComparer.Ordinal) { ancestor };
            var stack = new Stack<string>(new[] { ancestor });
            while (stack.Count > 0)
                foreach (var c in Children(stack.Pop()))
                    if (under.Add(c)) stack.Push(c);
        }
        var superclasses = level.Where(kv => kv.Value == rule.Level && (under is null || under.Contains(kv.Key))).Select(kv => kv.Key)
            .Order(StringComparer.Ordinal).Where(n => Reachable(n).Count >= rule.Subclasses).ToList();
        if (superclasses.Count == 0)
            throw new DatasetException($"{rule.Title}: no node at level {rule.Level} reaches {rule.Subclasses} classes", sources[1]);

        // 3. The "good" split of each superclass.
        int half = rule.Subclasses / 2;
        var result = new List<BreedsSuperclass>();
        foreach (var sc in superclasses)
        {
            var desc = Children(sc).Order(StringComparer.Ordinal).ToList();
            while (desc.Count == 1) desc = Children(desc[0]).Order(StringComparer.Ordinal).ToList();
            var groups = desc.Select(d => Reachable(d).Order(StringComparer.Ordinal).ToList()).ToList();
            var ordered = groups.Select((g, i) => (g, i)).OrderBy(t => -t.g.Count).ThenBy(t => t.i).Select(t => t.g);
            var source = new List<string>();
            var target = new List<string>();
            foreach (var v in ordered)
            {
                int first = v.Count == 1 ? (source.Count < half ? 1 : 0) : Math.Min(v.Count / 2, half - source.Count);
                int roomInTarget = half - target.Count;
                if (source.Count < half) source.AddRange(v.Take(first));
                if (roomInTarget > 0) target.AddRange(v.Skip(first).Take(roomInTarget));
            }
            if (source.Count != half || target.Count != half || source.Intersect(target).Any())
                throw new DatasetException($"{rule.Title}: superclass {sc} does not split into {half} + {half} distinct classes " +
                                           $"({source.Count} + {target.Count})", sources[1]);
            result.Add(new BreedsSuperclass(sc, names.GetValueOrDefault(sc, sc), source, target));
        }
        return result;
    }

    static List<string> ReadLeaves(string json, string source)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Array) throw new DatasetException("expected an array of [index, wnid, name]", source);
            var leaves = new List<string>();
            foreach (var row in doc.RootElement.EnumerateArray())
            {
                if (row.ValueKind != JsonValueKind.Array || row.GetArrayLength() < 2 || row[1].ValueKind != JsonValueKind.String)
                    throw new DatasetException($"entry {leaves.Count} is not [index, \"wnid\", \"name\"]", source);
                leaves.Add(row[1].GetString()!);
            }
            return leaves;
        }
        catch (JsonException e) { throw new DatasetException($"invalid JSON: {e.Message}", source); }
    }
}
