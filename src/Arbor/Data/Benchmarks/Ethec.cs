using System.Text.Json;
using Arbor.Hierarchy;

namespace Arbor.Data.Benchmarks;

/// <summary>
/// ETHEC butterflies (Dhall et al. 2020) as downloaded: <c>ETHEC_dataset/splits/{train,val,test}.json</c> (HGCLIP
/// trains on <c>train_clean.json</c> when present), each an object of records <c>{"image_name", "image_path",
/// "family", "subfamily", "genus", "specific_epithet", …}</c>, images under
/// <c>IMAGO_build_test_resized/&lt;image_path&gt;/&lt;image_name&gt;</c>. Hierarchy: family → subfamily → genus →
/// species (6 / 21 / 135 / 561) from ETHEC's label map; every record's four labels are checked against it.
/// </summary>
internal static class Ethec
{
    static readonly string[] Candidates = { "", "ETHEC_dataset", "ethec" };
    const string Images = "IMAGO_build_test_resized";
    static readonly string[] Fields = { "family", "subfamily", "genus", "specific_epithet" };

    public static string? Locate(string root) => BenchmarkFiles.Locate(root, Candidates, "splits", Images);

    public static DatasetSplits Open(string root, DatasetOptions options)
    {
        var dir = Locate(root) ?? throw new DatasetException($"ETHEC not found: expected splits/*.json and {Images}/", root);
        var hierarchy = options.Hierarchy ?? BuiltInHierarchies.Get("ethec");
        var keys = BenchmarkFiles.LeafKeys(hierarchy);
        FileImageDataset Read(string split, string file)
        {
            var path = BenchmarkFiles.RequireFile(dir, $"splits/{file}");
            JsonDocument doc;
            try { doc = JsonDocument.Parse(File.ReadAllBytes(path)); }
            catch (JsonException e) { throw new DatasetException($"invalid JSON: {e.Message}", path); }
            using var _ = doc;
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new DatasetException("expected an object of image records", path);
            var entries = new List<ImageEntry>();
            foreach (var record in doc.RootElement.EnumerateObject())
            {
                string Field(string name) =>
                    record.Value.ValueKind == JsonValueKind.Object && record.Value.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
                        ? v.GetString()! : throw new DatasetException($"record '{record.Name}' has no string \"{name}\"", path);
                var labels = Fields.Select(Field).ToArray();
                int leaf = BenchmarkFiles.Leaf(keys, hierarchy, $"{labels[2]} {labels[3]}", path);
                var pathNames = hierarchy.PathOf(leaf).Select((id, l) => hierarchy.Node(l + 1, id).Name).ToArray();
                for (int l = 0; l < 3; l++)
                    if (!string.Equals(BenchmarkFiles.Key(pathNames[l]), BenchmarkFiles.Key(labels[l]), StringComparison.Ordinal))
                        throw new DatasetException($"record '{record.Name}': {Fields[l]} '{labels[l]}' disagrees with the hierarchy, " +
                            $"which puts '{pathNames[3]}' under '{pathNames[l]}'", path);
                entries.Add(new ImageEntry(Path.Combine(dir, Images, Field("image_path"), Field("image_name")), leaf));
            }
            return BenchmarkFiles.Build($"ethec {split}", hierarchy, entries, path);
        }
        var train = Read("train", File.Exists(Path.Combine(dir, "splits", "train_clean.json")) ? "train_clean.json" : "train.json");
        var val = Read("validation", "val.json");
        var test = Read("test", "test.json");
        return new DatasetSplits(train, val, test, $"ethec from {dir}: {train.Count} train, {val.Count} validation, {test.Count} test (official splits)");
    }
}
