using System.Text;
using System.Text.Json;

namespace Arbor.Hierarchy;

/// <summary>
/// Reads a JSON tree: <c>{ "levels": ["group","type","item"], "tree": { "clothes": { "tops": ["T-shirt/top", …] }, … } }</c>.
/// Keys are inner nodes, arrays of strings are the leaves (at the last level); leaf ids follow the order of the leaves
/// in the file, coarser ids the order of first appearance. <c>"levels"</c> is optional (default <c>level1..levelN</c>);
/// <c>"name"</c> optionally names the hierarchy. Comments and trailing commas are allowed. Errors name the line.
/// </summary>
internal static class JsonTreeReader
{
    public static ClassHierarchy Read(string text, string name, string file)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var parser = new Parser(file, bytes);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions
        {
            CommentHandling = JsonCommentHandling.Skip,
            AllowTrailingCommas = true,
        });
        try
        {
            parser.ReadDocument(ref reader);
        }
        catch (JsonException e)
        {
            var message = e.Message;
            int cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
            if (cut > 0) message = message[..cut];
            throw new HierarchyException($"invalid JSON: {message}", file, e.LineNumber is { } l ? (int)l + 1 : null);
        }
        return parser.Build(name);
    }

    sealed class Parser(string file, byte[] bytes)
    {
        readonly List<int> _lineStarts = LineStarts(bytes);
        readonly List<IReadOnlyList<string>> _paths = new();
        readonly List<int> _lines = new();
        readonly Dictionary<string, int> _leafLines = new(StringComparer.Ordinal);
        // For each level of inner nodes: name → (parent name, line of first appearance), to catch a node with two parents.
        readonly List<Dictionary<string, (string? Parent, int Line)>> _innerNodes = new();
        List<string>? _levels;
        int _levelsLine;
        string? _name;
        bool _sawTree;

        public void ReadDocument(ref Utf8JsonReader reader)
        {
            if (!reader.Read()) throw Error("empty file: no JSON", null);
            if (reader.TokenType != JsonTokenType.StartObject)
                throw Error("expected a JSON object with \"levels\" and \"tree\"", Line(ref reader));
            var seen = new HashSet<string>(StringComparer.Ordinal);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var key = Text(ref reader);
                int line = Line(ref reader);
                if (!seen.Add(key)) throw Error($"key \"{key}\" appears twice", line);
                reader.Read();
                switch (key)
                {
                    case "levels": ReadLevels(ref reader, line); break;
                    case "name":
                        if (reader.TokenType != JsonTokenType.String) throw Error("\"name\" must be a string", line);
                        _name = reader.GetString();
                        break;
                    case "tree":
                        _sawTree = true;
                        ReadSubtree(ref reader, new List<string>(), line);
                        break;
                    default: throw Error($"unknown key \"{key}\" (expected \"levels\", \"tree\" and optionally \"name\")", line);
                }
            }
            reader.Read();                          // anything after the root object makes the reader throw
            if (!_sawTree) throw Error("no \"tree\": nothing to load", null);
        }

        void ReadLevels(ref Utf8JsonReader reader, int line)
        {
            _levelsLine = line;
            if (reader.TokenType != JsonTokenType.StartArray) throw Error("\"levels\" must be an array of level names", line);
            _levels = new List<string>();
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                int at = Line(ref reader);
                if (reader.TokenType != JsonTokenType.String) throw Error("\"levels\" must hold strings (level names)", at);
                var level = Text(ref reader).Trim();
                if (level.Length == 0) throw Error("empty level name in \"levels\"", at);
                if (_levels.Contains(level, StringComparer.OrdinalIgnoreCase))
                    throw Error("level name repeated in \"levels\"", at, level);
                _levels.Add(level);
            }
            if (_levels.Count == 0) throw Error("\"levels\" is empty: a hierarchy needs at least one level", line);
        }

        // The value under a node (or under "tree" when ancestors is empty): an object of child nodes or an array of leaves.
        void ReadSubtree(ref Utf8JsonReader reader, List<string> ancestors, int line)
        {
            var owner = ancestors.Count == 0 ? "the tree" : $"'{ancestors[^1]}'";
            string? node = ancestors.Count == 0 ? null : ancestors[^1];
            if (reader.TokenType == JsonTokenType.StartArray)
            {
                int count = 0;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    int at = Line(ref reader);
                    if (reader.TokenType != JsonTokenType.String)
                        throw Error($"leaves under {owner} must be strings, found {Describe(reader.TokenType)}", at, node);
                    AddLeaf(Text(ref reader).Trim(), ancestors, at);
                    count++;
                }
                if (count == 0) throw Error($"empty subtree: {owner} has no leaves", line, node);
                return;
            }
            if (reader.TokenType != JsonTokenType.StartObject)
                throw Error($"expected an object of child nodes or an array of leaf names under {owner}, found {Describe(reader.TokenType)}",
                    line, node);
            var children = new HashSet<string>(StringComparer.Ordinal);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var child = Text(ref reader).Trim();
                int at = Line(ref reader);
                if (child.Length == 0) throw Error($"empty node name under {owner}", at);
                if (!children.Add(child)) throw Error($"node appears twice under {owner}", at, child);
                CheckSingleParent(child, ancestors, at);
                reader.Read();
                ancestors.Add(child);
                ReadSubtree(ref reader, ancestors, at);
                ancestors.RemoveAt(ancestors.Count - 1);
            }
            if (children.Count == 0)
                throw Error(ancestors.Count == 0 ? "empty tree: no classes" : $"empty subtree: {owner} has no children", line, node);
        }

        void AddLeaf(string leaf, List<string> ancestors, int line)
        {
            if (leaf.Length == 0) throw Error($"empty leaf name under '{ancestors.LastOrDefault() ?? "the tree"}'", line);
            if (_leafLines.TryGetValue(leaf, out int first)) throw Error($"duplicate leaf (first on line {first})", line, leaf);
            _leafLines.Add(leaf, line);
            _paths.Add(ancestors.Append(leaf).ToArray());
            _lines.Add(line);
        }

        void CheckSingleParent(string node, List<string> ancestors, int line)
        {
            int level = ancestors.Count;
            while (_innerNodes.Count <= level) _innerNodes.Add(new Dictionary<string, (string?, int)>(StringComparer.Ordinal));
            string? parent = ancestors.Count == 0 ? null : ancestors[^1];
            if (_innerNodes[level].TryGetValue(node, out var first))
            {
                if (first.Parent != parent)
                    throw Error($"node has two parents at level {level + 1}: '{first.Parent}' (line {first.Line}) and '{parent}'", line, node);
                return;
            }
            _innerNodes[level][node] = (parent, line);
        }

        public ClassHierarchy Build(string name)
        {
            if (_paths.Count == 0) throw Error("empty tree: no classes", null);
            int depth = _levels?.Count ?? _paths[0].Count;
            bool allSame = _paths.All(p => p.Count == _paths[0].Count);
            if (allSame && _paths[0].Count != depth)
                throw Error($"unknown level names: \"levels\" names {depth} levels ({string.Join(", ", _levels!)}) " +
                            $"but the tree is {_paths[0].Count} levels deep", _levelsLine);
            for (int i = 0; i < _paths.Count; i++)
            {
                var path = _paths[i];
                if (path.Count == depth) continue;
                var problem = path.Count < depth ? "branch too short" : "branch too deep";
                var reference = _levels is null ? $"'{_paths[0][^1]}' (line {_lines[0]}) is at level {depth}"
                    : $"\"levels\" names {depth} levels";
                throw Error($"unbalanced tree: {problem}: leaf at level {path.Count} ({string.Join(" > ", path)}), but {reference}",
                    _lines[i], path[^1]);
            }
            var levels = _levels ?? Enumerable.Range(1, depth).Select(l => $"level{l}").ToList();
            return ClassHierarchy.FromLeafPaths(_name ?? name, levels, _paths, file, _lines);
        }

        HierarchyException Error(string problem, int? line, string? node = null) => new(problem, file, line, node);

        // A string token's text; an escaped lone surrogate ("\ud800") is not text and is refused.
        string Text(ref Utf8JsonReader reader)
        {
            try
            {
                return reader.GetString()!;
            }
            catch (InvalidOperationException)
            {
                throw Error("a string is not valid Unicode text (a lone surrogate escape such as \\ud800?)", Line(ref reader));
            }
        }

        int Line(ref Utf8JsonReader reader)
        {
            int at = _lineStarts.BinarySearch((int)reader.TokenStartIndex);
            return (at >= 0 ? at : ~at - 1) + 1;
        }

        static List<int> LineStarts(byte[] bytes)
        {
            var starts = new List<int> { 0 };
            for (int i = 0; i < bytes.Length; i++)
                if (bytes[i] == (byte)'\n') starts.Add(i + 1);
            return starts;
        }

        static string Describe(JsonTokenType token) => token switch
        {
            JsonTokenType.Number => "a number",
            JsonTokenType.True or JsonTokenType.False => "a boolean",
            JsonTokenType.Null => "null",
            JsonTokenType.StartObject => "an object",
            JsonTokenType.StartArray => "an array",
            JsonTokenType.String => "a string",
            _ => token.ToString(),
        };
    }
}
