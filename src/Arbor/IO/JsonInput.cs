using System.Text.Json;

namespace Arbor.IO;

/// <summary>
/// Parses JSON files strictly: valid UTF-8 (a byte-order mark is allowed), a size limit, no key twice in one object, no
/// string that is not valid Unicode (an escaped lone surrogate such as <c>"\ud800"</c>), nesting at most 64 deep. Every
/// problem is an <see cref="ArborException"/> naming the file and the line.
/// </summary>
public static class JsonInput
{
    /// <summary>Reads and parses <paramref name="path"/>; the caller disposes the document.</summary>
    public static JsonDocument ReadFile(string path, long maxBytes, string what)
    {
        // Decoding through TextInput gives the UTF-8 and control-character errors their line numbers.
        var text = TextInput.ReadFile(path, maxBytes, what);
        return Parse(text, path, what);
    }

    /// <summary>Parses JSON text (see the class summary).</summary>
    public static JsonDocument Parse(string text, string path, string what)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            var message = e.Message;
            int cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
            if (cut > 0) message = message[..cut];
            throw new ArborException($"{what} is not valid JSON (line {(e.LineNumber ?? 0) + 1}): {message}", path, e);
        }
        try
        {
            Check(document.RootElement, "$", path, what);
        }
        catch
        {
            document.Dispose();
            throw;
        }
        return document;
    }

    /// <summary>A string value, or an error naming the file and the JSON path when it is not valid Unicode text.</summary>
    public static string GetString(JsonElement element, string jsonPath, string path, string what)
    {
        try
        {
            var s = element.GetString()!;
            if (TextInput.NameProblem(s) is { } problem && problem.StartsWith("holds a lone", StringComparison.Ordinal))
                throw new ArborException($"{what}: {jsonPath} {problem}", path);
            return s;
        }
        catch (InvalidOperationException)
        {
            throw new ArborException($"{what}: {jsonPath} is not valid Unicode text (a lone surrogate escape?)", path);
        }
    }

    // One walk over the document: duplicate keys and invalid strings, linear in its size.
    static void Check(JsonElement element, string jsonPath, string path, string what)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var keys = new HashSet<string>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject())
                {
                    string name;
                    try { name = property.Name; }
                    catch (InvalidOperationException)
                    {
                        throw new ArborException($"{what}: a key in {jsonPath} is not valid Unicode text (a lone surrogate escape?)", path);
                    }
                    if (TextInput.NameProblem(name) is { } problem && problem.StartsWith("holds a lone", StringComparison.Ordinal))
                        throw new ArborException($"{what}: key \"{Escape(name)}\" in {jsonPath} {problem}", path);
                    if (!keys.Add(name)) throw new ArborException($"{what}: key \"{name}\" appears twice in {jsonPath}", path);
                    Check(property.Value, $"{jsonPath}.{name}", path, what);
                }
                break;
            case JsonValueKind.Array:
                int i = 0;
                foreach (var item in element.EnumerateArray()) Check(item, $"{jsonPath}[{i++}]", path, what);
                break;
            case JsonValueKind.String:
                GetString(element, jsonPath, path, what);
                break;
        }
    }

    static string Escape(string s) => string.Concat(s.Select(c => char.IsSurrogate(c) ? $"\\u{(int)c:x4}" : c.ToString()));
}
