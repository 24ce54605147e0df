using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Arbor.IO;

namespace Arbor.Reporting;

/// <summary>
/// What the level masks of a feature-identification run (G-HMLC, A-HMLC) look like: one mask value per level and
/// projection dimension in [0, 1] — G-HMLC's hard 0/1 masks as the model holds them, A-HMLC's soft masks averaged over a
/// set of images — and the numbers read off them: how many dimensions each level uses, how much two levels share, and
/// which dimensions no level uses. Written as masks.json in the run folder; <see cref="LevelMaskPlot"/> draws it.
/// </summary>
/// <remarks>
/// One rule serves both kinds, so hard and soft runs compare: a level uses a dimension when its mask value is above 0.5,
/// and the overlap of two levels is Σ_d min(m_i, m_j) / Σ_d max(m_i, m_j), which on 0/1 masks is their Jaccard index
/// |M_i ∧ M_j| / |M_i ∨ M_j| (two empty masks overlap 0).
/// </remarks>
public sealed class LevelMaskSummary
{
    /// <summary>The file in a run folder.</summary>
    public const string FileName = "masks.json";

    /// <summary>Largest masks.json read (a 10-level, 100,000-dimension summary is well below it).</summary>
    public const long MaxFileBytes = 64L << 20;

    /// <summary>Mask value above which a level counts as using a dimension.</summary>
    public const double UseThreshold = 0.5;

    /// <summary>Method that produced the masks (g-hmlc, a-hmlc).</summary>
    public string Method { get; }

    /// <summary>True for hard 0/1 masks (G-HMLC), false for mean soft masks (A-HMLC).</summary>
    public bool Hard { get; }

    /// <summary>Where the values come from, for people (e.g. "mean over 1,200 validation images").</summary>
    public string Source { get; }

    /// <summary>Images the soft masks were averaged over (0 for hard masks).</summary>
    public int Images { get; }

    /// <summary>Level names, coarse → fine.</summary>
    public IReadOnlyList<string> LevelNames { get; }

    /// <summary>Mask values [level][dimension] in [0, 1].</summary>
    public IReadOnlyList<double[]> Masks { get; }

    public int Levels => Masks.Count;
    public int Dimensions => Masks[0].Length;

    /// <summary>Σ_d m_h,d per level: the dimensions a level uses, counted with their weight.</summary>
    public double[] DimensionsUsed { get; }

    /// <summary>Dimensions with a mask value above <see cref="UseThreshold"/>, per level.</summary>
    public int[] DimensionsAboveHalf { get; }

    /// <summary>Overlap [H, H] of every pair of levels (Σmin / Σmax; 1 on the diagonal of a non-empty mask).</summary>
    public double[,] Overlap { get; }

    /// <summary>Dimensions no level uses (no mask value above <see cref="UseThreshold"/>).</summary>
    public int UnusedDimensions { get; }

    /// <summary>
    /// A summary of <paramref name="masks"/> [level][dimension]; every value must be finite and in [0, 1], and 0 or 1 when
    /// <paramref name="hard"/>. Bad shapes or values are an <see cref="ArborException"/> (naming <paramref name="file"/>, if any).
    /// </summary>
    public LevelMaskSummary(string method, bool hard, string source, int images, IReadOnlyList<string> levelNames,
        IReadOnlyList<double[]> masks, string? file = null)
    {
        if (masks.Count == 0) throw new ArborException("level masks: no levels", file);
        if (levelNames.Count != masks.Count)
            throw new ArborException($"level masks: {levelNames.Count} level names for {masks.Count} masks", file);
        int dims = masks[0].Length;
        if (dims == 0) throw new ArborException("level masks: no dimensions", file);
        if (images < 0) throw new ArborException($"level masks: negative image count {images}", file);
        for (int h = 0; h < masks.Count; h++)
        {
            if (masks[h].Length != dims)
                throw new ArborException($"level masks: level {h + 1} has {masks[h].Length} values, level 1 has {dims}", file);
            for (int d = 0; d < dims; d++)
            {
                double v = masks[h][d];
                if (!(v >= 0 && v <= 1))
                    throw new ArborException($"level masks: level {h + 1}, dimension {d}: {v.ToString(CultureInfo.InvariantCulture)} is not in [0, 1]", file);
                if (hard && v != 0 && v != 1)
                    throw new ArborException($"level masks: level {h + 1}, dimension {d}: a hard mask is 0 or 1, not {v.ToString(CultureInfo.InvariantCulture)}", file);
            }
        }
        Method = method;
        Hard = hard;
        Source = source;
        Images = images;
        LevelNames = levelNames.ToArray();
        Masks = masks.Select(m => m.ToArray()).ToArray();

        int levels = masks.Count;
        DimensionsUsed = Masks.Select(m => m.Sum()).ToArray();
        DimensionsAboveHalf = Masks.Select(m => m.Count(v => v > UseThreshold)).ToArray();
        Overlap = new double[levels, levels];
        for (int i = 0; i < levels; i++)
            for (int j = 0; j < levels; j++)
            {
                double min = 0, max = 0;
                for (int d = 0; d < dims; d++)
                {
                    min += Math.Min(Masks[i][d], Masks[j][d]);
                    max += Math.Max(Masks[i][d], Masks[j][d]);
                }
                Overlap[i, j] = max > 0 ? min / max : 0;
            }
        UnusedDimensions = Enumerable.Range(0, dims).Count(d => Masks.All(m => m[d] <= UseThreshold));
    }

    /// <summary>
    /// The level a dimension belongs to most: the level with the largest mask value (ties → the coarser level), or −1
    /// when no level uses it.
    /// </summary>
    public int StrongestLevel(int dimension)
    {
        int best = 0;
        for (int h = 1; h < Levels; h++)
            if (Masks[h][dimension] > Masks[best][dimension]) best = h;
        return Masks[best][dimension] > UseThreshold ? best : -1;
    }

    /// <summary>
    /// Dimensions in the order the picture shows them: grouped by <see cref="StrongestLevel"/> (coarse → fine, unused
    /// last), within a group by falling value at that level, then by index — so each level's block is contiguous.
    /// </summary>
    public int[] DisplayOrder()
    {
        int Group(int d) => StrongestLevel(d) is var s && s >= 0 ? s : Levels;
        double Top(int d) => Masks.Max(m => m[d]);
        return Enumerable.Range(0, Dimensions).OrderBy(Group).ThenByDescending(Top).ThenBy(d => d).ToArray();
    }

    /// <summary>"group 40 · type 44 · unused 3 of 128" (soft: "group 40.3 (38 > 0.5) · …").</summary>
    public string DimensionsLine()
    {
        var parts = Enumerable.Range(0, Levels).Select(h => Hard
            ? $"{LevelNames[h]} {DimensionsAboveHalf[h]}"
            : $"{LevelNames[h]} {Number(DimensionsUsed[h], "0.0")} ({DimensionsAboveHalf[h]} > 0.5)");
        return string.Join(" · ", parts.Append($"unused {UnusedDimensions} of {Dimensions}"));
    }

    /// <summary>"group–type 0.00 · group–leaf 0.05 · …" (every pair of levels), or "" with one level.</summary>
    public string OverlapLine()
    {
        var parts = new List<string>();
        for (int i = 0; i < Levels; i++)
            for (int j = i + 1; j < Levels; j++)
                parts.Add($"{LevelNames[i]}–{LevelNames[j]} {Number(Overlap[i, j], "0.00")}");
        return string.Join(" · ", parts);
    }

    static string Number(double x, string format) => x.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>Writes masks.json atomically: the masks and, for people and scripts, the numbers read off them.</summary>
    public void Write(string path) => AtomicFile.Write(path, stream =>
    {
        // Relaxed escaping: level names and the source stay readable (é, ', …); the file is data, never embedded in HTML.
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        json.WriteStartObject();
        json.WriteString("method", Method);
        json.WriteString("kind", Hard ? "hard" : "soft");
        json.WriteString("source", Source);
        json.WriteNumber("images", Images);
        json.WriteNumber("dimensions", Dimensions);
        json.WriteNumber("unused_dims", UnusedDimensions);
        json.WriteStartArray("levels");
        for (int h = 0; h < Levels; h++)
        {
            json.WriteStartObject();
            json.WriteNumber("level", h + 1);
            json.WriteString("name", LevelNames[h]);
            json.WriteNumber("dims_used", DimensionsUsed[h]);
            json.WriteNumber("dims_above_half", DimensionsAboveHalf[h]);
            json.WritePropertyName("mask");
            json.WriteRawValue(CompactArray(Masks[h]));   // one line per level, not one per value
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartArray("overlap");
        for (int i = 0; i < Levels; i++)
            json.WriteRawValue(CompactArray(Enumerable.Range(0, Levels).Select(j => Overlap[i, j]).ToArray()));
        json.WriteEndArray();
        json.WriteEndObject();
    });

    static string CompactArray(double[] values)
    {
        var s = new StringBuilder("[");
        for (int i = 0; i < values.Length; i++)
        {
            if (i > 0) s.Append(", ");
            s.Append(values[i].ToString("R", CultureInfo.InvariantCulture));
        }
        return s.Append(']').ToString();
    }

    /// <summary>
    /// Reads masks.json. The masks, kind, method and level names are read; the derived numbers (dims_used, overlap, …)
    /// are recomputed from the masks. Anything malformed is an <see cref="ArborException"/> naming the file.
    /// </summary>
    public static LevelMaskSummary Read(string path)
    {
        const string what = "masks.json";
        using var doc = JsonInput.ReadFile(path, MaxFileBytes, what);
        try
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new ArborException($"{what}: the top level must be an object", path);
            JsonElement Required(JsonElement e, string name, string at) => e.TryGetProperty(name, out var v) ? v
                : throw new ArborException($"{what}: {at} has no \"{name}\"", path);
            var kindElement = Required(root, "kind", "$");
            var kind = kindElement.ValueKind == JsonValueKind.String ? kindElement.GetString() : kindElement.ToString();
            if (kind is not ("hard" or "soft")) throw new ArborException($"{what}: kind must be \"hard\" or \"soft\", not {kindElement.GetRawText()}", path);
            var method = JsonInput.GetString(Required(root, "method", "$"), "$.method", path, what);
            var source = root.TryGetProperty("source", out var s) ? JsonInput.GetString(s, "$.source", path, what) : "";
            int images = root.TryGetProperty("images", out var n) ? n.GetInt32() : 0;
            var names = new List<string>();
            var masks = new List<double[]>();
            int index = 0;
            foreach (var level in Required(root, "levels", "$").EnumerateArray())
            {
                var at = $"$.levels[{index}]";
                names.Add(JsonInput.GetString(Required(level, "name", at), at + ".name", path, what));
                masks.Add(Required(level, "mask", at).EnumerateArray().Select(v => v.GetDouble()).ToArray());
                index++;
            }
            var summary = new LevelMaskSummary(method, kind == "hard", source, images, names, masks, path);
            if (root.TryGetProperty("dimensions", out var dims) && dims.GetInt32() != summary.Dimensions)
                throw new ArborException($"{what}: \"dimensions\" is {dims.GetInt32()} but the masks have {summary.Dimensions} values", path);
            return summary;
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new ArborException($"not a valid {what}: {e.Message}", path, e);
        }
    }
}
