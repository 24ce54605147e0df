using System.Text.Json;
using System.Text.Json.Nodes;
using Arbor.Hierarchy;
using Arbor.IO;

namespace Arbor.Training;

/// <summary>
/// The hierarchy a run was trained on, stored in its folder as <c>hierarchy.json</c> so `predict` and `eval` never reopen
/// the training data. The format keeps what the model's outputs index: every level's class names in class-id order (the
/// leaf order and every coarse order) and each class's parent as an index into the level above —
/// <c>{"format": "arbor-hierarchy/1", "name": …, "levels": [{"name": …, "classes": [...], "parents": [...]}, …]}</c>.
/// A nested JSON tree would lose the order of classes whose ids do not follow the tree (Fashion-MNIST's leaves).
/// </summary>
public static class StoredHierarchy
{
    const string Format = "arbor-hierarchy/1";

    public static void Write(string path, ClassHierarchy hierarchy)
    {
        var levels = new JsonArray();
        for (int l = 1; l <= hierarchy.Depth; l++)
        {
            var nodes = hierarchy.NodesAt(l);
            var level = new JsonObject
            {
                ["name"] = hierarchy.LevelNames[l - 1],
                ["classes"] = new JsonArray(nodes.Select(n => (JsonNode)JsonValue.Create(n.Name)!).ToArray()),
            };
            if (l > 1)
                level["parents"] = new JsonArray(nodes.Select(n => (JsonNode)JsonValue.Create(hierarchy.Nodes[n.Parent].LocalIndex)).ToArray());
            levels.Add(level);
        }
        var root = new JsonObject { ["format"] = Format, ["name"] = hierarchy.Name, ["levels"] = levels };
        RunFolder.WriteGuard(path, () => AtomicFile.WriteAllText(path, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true })));
    }

    /// <summary>Reads a stored hierarchy; anything malformed is an error naming the file.</summary>
    public static ClassHierarchy Read(string path)
    {
        if (!File.Exists(path)) throw new ArborException("the run has no stored hierarchy (hierarchy.json); it was written by an older Arbor — retrain it", path);
        JsonNode? root;
        try { root = JsonNode.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new ArborException($"malformed hierarchy file: {e.Message}", path); }
        try
        {
            if (root?["format"]?.GetValue<string>() != Format) throw new ArborException($"not an {Format} file", path);
            var name = root["name"]?.GetValue<string>() ?? throw new ArborException("hierarchy has no name", path);
            var levels = root["levels"]?.AsArray() ?? throw new ArborException("hierarchy has no levels", path);
            var levelNames = new List<string>();
            var names = new List<IReadOnlyList<string>>();
            var parents = new List<IReadOnlyList<int>>();
            foreach (var level in levels)
            {
                levelNames.Add(level?["name"]?.GetValue<string>() ?? throw new ArborException("a level has no name", path));
                var classes = level["classes"]?.AsArray().Select(c => c?.GetValue<string>() ?? throw new ArborException("a class name is null", path)).ToArray()
                              ?? throw new ArborException($"level '{levelNames[^1]}' has no classes", path);
                var up = level["parents"]?.AsArray().Select(p => p?.GetValue<int>() ?? throw new ArborException("a parent is null", path)).ToArray()
                         ?? new int[classes.Length];
                if (up.Length != classes.Length)
                    throw new ArborException($"level '{levelNames[^1]}' has {classes.Length} classes but {up.Length} parents", path);
                names.Add(classes);
                parents.Add(up);
            }
            return new ClassHierarchy(name, levelNames, names, parents, path);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw new ArborException($"malformed hierarchy file: {e.Message}", path);
        }
    }
}
