using System.Text.Json;
using Arbor.IO;

namespace Arbor.Evaluation;

/// <summary>Counts of (true label, predicted label) pairs at one level; rows are true labels, columns predictions.</summary>
public sealed class ConfusionMatrix
{
    readonly long[] _counts;

    /// <param name="level">1-based level.</param>
    /// <param name="name">Level name.</param>
    /// <param name="classNames">Class names at the level, in class-id order.</param>
    /// <param name="counts">Row-major <c>[classes × classes]</c> counts, <c>counts[true * classes + predicted]</c>.</param>
    public ConfusionMatrix(int level, string name, IReadOnlyList<string> classNames, long[] counts)
    {
        if (counts.Length != (long)classNames.Count * classNames.Count)
            throw new ArgumentException($"{counts.Length} counts for {classNames.Count} classes", nameof(counts));
        Level = level;
        Name = name;
        ClassNames = classNames;
        _counts = counts;
    }

    public int Level { get; }
    public string Name { get; }
    public IReadOnlyList<string> ClassNames { get; }
    public int Classes => ClassNames.Count;

    /// <summary>Samples of class <paramref name="truth"/> predicted as <paramref name="predicted"/>.</summary>
    public long this[int truth, int predicted] => _counts[truth * Classes + predicted];

    /// <summary>Samples counted (the sum of all cells).</summary>
    public long Total => _counts.Sum();

    /// <summary>
    /// Writes <c>{ "levels": [ { "level", "name", "classes": [names], "matrix": [[…], …] } ] }</c> atomically, rows =
    /// true labels, columns = predicted labels.
    /// </summary>
    public static void WriteJson(string path, IReadOnlyList<ConfusionMatrix> matrices) => AtomicFile.Write(path, stream =>
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteStartArray("levels");
        foreach (var m in matrices)
        {
            json.WriteStartObject();
            json.WriteNumber("level", m.Level);
            json.WriteString("name", m.Name);
            json.WriteStartArray("classes");
            foreach (var c in m.ClassNames) json.WriteStringValue(c);
            json.WriteEndArray();
            json.WriteStartArray("matrix");
            for (int t = 0; t < m.Classes; t++)
            {
                json.WriteStartArray();
                for (int p = 0; p < m.Classes; p++) json.WriteNumberValue(m[t, p]);
                json.WriteEndArray();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    });

    /// <summary>Reads a file written by <see cref="WriteJson"/>; a malformed one is an <see cref="ArborException"/> naming it.</summary>
    public static IReadOnlyList<ConfusionMatrix> ReadJson(string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            var result = new List<ConfusionMatrix>();
            foreach (var level in doc.RootElement.GetProperty("levels").EnumerateArray())
            {
                var classes = level.GetProperty("classes").EnumerateArray().Select(c => c.GetString() ?? "").ToArray();
                var rows = level.GetProperty("matrix").EnumerateArray().ToArray();
                if (rows.Length != classes.Length)
                    throw new ArborException($"level {level.GetProperty("level").GetInt32()}: {rows.Length} matrix rows for {classes.Length} classes", path);
                var counts = new long[(long)classes.Length * classes.Length];
                for (int t = 0; t < rows.Length; t++)
                {
                    var cells = rows[t].EnumerateArray().Select(c => c.GetInt64()).ToArray();
                    if (cells.Length != classes.Length || cells.Any(c => c < 0))
                        throw new ArborException($"level {level.GetProperty("level").GetInt32()}, row {t}: expected {classes.Length} counts ≥ 0", path);
                    cells.CopyTo(counts, (long)t * classes.Length);
                }
                result.Add(new ConfusionMatrix(level.GetProperty("level").GetInt32(), level.GetProperty("name").GetString() ?? "", classes, counts));
            }
            return result;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new ArborException($"not a valid confusion.json: {e.Message}", path, e);
        }
    }
}
