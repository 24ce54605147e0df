using System.Text.Json;
using System.Text.Json.Nodes;

namespace Arbor.Bench;

/// <summary>
/// The figures a benchmark measured, by name (<c>image_tower_images_per_s</c>, <c>step_ms_median</c>, …), collected next to
/// the lines it prints for people so `arbor bench … --json` can print them as one JSON document. A benchmark records a figure
/// where it prints it; nothing is recorded when no collection is open (the bench project's own program).
/// </summary>
internal static class BenchFigures
{
    static readonly AsyncLocal<JsonObject?> current = new();

    /// <summary>Starts collecting for one benchmark invocation; dispose to stop.</summary>
    public static Collection Open(string bench)
    {
        var figures = new JsonObject();
        current.Value = figures;
        return new Collection(bench, figures);
    }

    /// <summary>Records one number (rounded to 4 significant decimals; NaN and infinity become null).</summary>
    public static void Record(string name, double value)
    {
        if (current.Value is { } figures)
            figures[name] = double.IsFinite(value) ? JsonValue.Create(Math.Round(value, 4)) : null;
    }

    /// <summary>Records one label (a shape, a precision, a model name).</summary>
    public static void Record(string name, string value)
    {
        if (current.Value is { } figures) figures[name] = value;
    }

    /// <summary>Records one row of a table (a matmul shape, a stage, an epoch) under <paramref name="table"/>.</summary>
    public static void Row(string table, JsonObject row)
    {
        if (current.Value is not { } figures) return;
        if (figures[table] is not JsonArray rows) figures[table] = rows = new JsonArray();
        rows.Add(row);
    }

    public sealed class Collection(string bench, JsonObject figures) : IDisposable
    {
        /// <summary>The document: which benchmark, the machine's load and cores, and every recorded figure.</summary>
        public string ToJson()
        {
            var document = new JsonObject
            {
                ["bench"] = bench,
                ["cores"] = Environment.ProcessorCount,
                ["load_average"] = Load.Average(),
                ["allocator"] = NativeAllocator.Name,
                ["figures"] = figures.DeepClone(),
            };
            return document.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        }

        public void Dispose() => current.Value = null;
    }
}
