using System.CommandLine;
using System.Text.Json;
using Arbor.Hierarchy;

namespace Arbor.Cli.Commands;

/// <summary>`arbor hierarchy show|check`: print a class tree, or validate a hierarchy file.</summary>
internal static class HierarchyCommand
{
    public static Command Build()
    {
        var command = new Command("hierarchy", "Show and check class hierarchies (built-in names: " +
            string.Join(", ", BuiltInHierarchies.Names) + "; files: .json tree, .txt label paths, .csv with a level header).");
        command.Subcommands.Add(BuildShow());
        command.Subcommands.Add(BuildCheck());
        return command;
    }

    static Command BuildShow()
    {
        var source = new Argument<string>("hierarchy") { Description = "A built-in name (fashion-mnist, cifar-100) or a hierarchy file." };
        var json = SharedOptions.Json("Print machine-readable JSON: levels with counts, nodes with global index.");
        var depth = new Option<int?>("--depth") { Description = "Print the tree down to this level only (1 = coarsest)." };
        var show = new Command("show", "Print a class hierarchy as an indented tree with class counts per level.")
        {
            source, json, depth,
        };
        show.SetAction(result =>
        {
            var hierarchy = HierarchyLoader.Load(result.GetValue(source)!);
            var output = CommandOutput.Out(result);
            int? maxDepth = result.GetValue(depth);
            if (maxDepth is < 1) throw new ArborException($"--depth must be at least 1, not {maxDepth}");
            if (result.GetValue(json)) WriteJson(hierarchy, output);
            else WriteTree(hierarchy, output, Math.Min(maxDepth ?? hierarchy.Depth, hierarchy.Depth));
            return 0;
        });
        return show;
    }

    static Command BuildCheck()
    {
        var file = new Argument<string>("file") { Description = "A hierarchy file (.json, .txt or .csv) or a built-in name." };
        var json = SharedOptions.Json("Print JSON ({\"ok\": true, \"file\", \"name\", \"levels\"}) instead of the 'ok' line; a problem is still one error line and exit 2");
        var check = new Command("check", "Validate a hierarchy file: prints 'ok: …' and exits 0, or the problem (file, line, node) and exits 2.")
        {
            file, json,
        };
        check.SetAction(result =>
        {
            var path = result.GetValue(file)!;
            var hierarchy = HierarchyLoader.Load(path);
            var output = CommandOutput.Out(result);
            if (result.GetValue(json))
                output.WriteLine(JsonSerializer.Serialize(new
                {
                    ok = true, file = path, name = hierarchy.Name,
                    levels = Enumerable.Range(1, hierarchy.Depth).Select(l => new { level = l, name = hierarchy.LevelNames[l - 1], classes = hierarchy.ClassesAt(l) }),
                }, new JsonSerializerOptions { WriteIndented = true }));
            else output.WriteLine($"ok: {hierarchy.Depth} levels, counts {Counts(hierarchy)}");
            return 0;
        });
        return check;
    }

    static string Counts(ClassHierarchy hierarchy) =>
        string.Join(", ", Enumerable.Range(1, hierarchy.Depth).Select(l => $"{hierarchy.LevelNames[l - 1]}: {hierarchy.ClassesAt(l)}"));

    static void WriteTree(ClassHierarchy hierarchy, TextWriter output, int maxDepth)
    {
        output.WriteLine($"{hierarchy.Name}: {hierarchy.Depth} levels — {Counts(hierarchy)}");
        foreach (var root in hierarchy.NodesAt(1)) WriteNode(hierarchy, root, output, maxDepth);
    }

    // Each node prints as "name [id]", id being its class id at its level; below --depth a count of what is hidden.
    static void WriteNode(ClassHierarchy hierarchy, HierarchyNode node, TextWriter output, int maxDepth)
    {
        var indent = new string(' ', 2 * (node.Level - 1));
        if (node.Level == maxDepth && node.Children.Count > 0)
        {
            int leaves = hierarchy.DescendantLeaves(node.Index).Count;
            var hidden = node.Level + 1 == hierarchy.Depth ? $"{leaves} leaves"
                : $"{node.Children.Count} {hierarchy.LevelNames[node.Level]} nodes, {leaves} leaves";
            output.WriteLine($"{indent}{hierarchy.DisplayName(node)} [{node.LocalIndex}]  ({hidden})");
            return;
        }
        output.WriteLine($"{indent}{hierarchy.DisplayName(node)} [{node.LocalIndex}]");
        foreach (var child in node.Children) WriteNode(hierarchy, hierarchy.Nodes[child], output, maxDepth);
    }

    static void WriteJson(ClassHierarchy hierarchy, TextWriter output)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("name", hierarchy.Name);
            json.WriteStartArray("levels");
            for (int l = 1; l <= hierarchy.Depth; l++)
            {
                json.WriteStartObject();
                json.WriteNumber("level", l);
                json.WriteString("name", hierarchy.LevelNames[l - 1]);
                json.WriteNumber("classes", hierarchy.ClassesAt(l));
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteStartArray("nodes");
            foreach (var node in hierarchy.Nodes)
            {
                json.WriteStartObject();
                json.WriteNumber("index", node.Index);
                json.WriteString("name", node.Name);
                json.WriteNumber("level", node.Level);
                json.WriteNumber("local_index", node.LocalIndex);
                if (node.Parent < 0) json.WriteNull("parent");
                else json.WriteNumber("parent", node.Parent);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
