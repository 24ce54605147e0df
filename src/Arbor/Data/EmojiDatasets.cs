using System.Text.Json;
using Arbor.Hierarchy;

namespace Arbor.Data;

/// <summary>
/// The emoji image sets of the npm packages <c>emoji-datasource-{google,twitter,facebook}</c> (16.0.0), unpacked into a
/// folder as <c>emoji-datasource-&lt;style&gt;/</c> (scripts/fetch-emoji.sh). The hierarchy is Unicode's
/// category → subcategory → emoji (short_name) from <c>emoji.json</c>, without the "Component" category, leaves in
/// <c>sort_order</c>; a short_name equal to its subcategory or category gets " emoji" appended (e.g. "heart emoji"). Each style has one 64 px image per emoji (<c>img/&lt;style&gt;/64/&lt;image&gt;</c>); styles are
/// domains: the training pool is made of the train styles, the test split is the test style.
/// </summary>
public static class EmojiDatasets
{
    /// <summary>Styles Arbor knows.</summary>
    public static IReadOnlyList<string> Styles { get; } = new[] { "google", "twitter", "facebook" };

    /// <summary><c>$ARBOR_DATA/emoji</c>, else ~/.cache/arbor/emoji.</summary>
    public static string DefaultFolder => Path.Combine(DatasetOptions.DataHome, "emoji");

    /// <summary>True when <paramref name="folder"/> holds at least one unpacked style package.</summary>
    public static bool IsPresent(string folder) => FetchedStyles(folder).Count > 0;

    /// <summary>Styles whose package (emoji.json and the 64 px images) is unpacked in <paramref name="folder"/>.</summary>
    public static IReadOnlyList<string> FetchedStyles(string folder) => Styles
        .Where(s => File.Exists(Path.Combine(PackageFolder(folder, s), "emoji.json")) && Directory.Exists(ImageFolder(folder, s)))
        .ToArray();

    static string PackageFolder(string folder, string style) => Path.Combine(folder, $"emoji-datasource-{style}");
    static string ImageFolder(string folder, string style) => Path.Combine(PackageFolder(folder, style), "img", style, "64");

    public static DatasetSplits Open(string folder, DatasetOptions options)
    {
        var fetched = FetchedStyles(folder);
        if (fetched.Count == 0)
            throw new DatasetException("no emoji sets found (expected emoji-datasource-<style>/emoji.json and img/<style>/64/); " +
                "run scripts/fetch-emoji.sh or `arbor data fetch emoji`", folder);
        var testStyle = (options.TestStyle ?? "facebook").ToLowerInvariant();
        var trainStyles = (options.TrainStyles ?? fetched.Where(s => s != testStyle).ToArray()).Select(s => s.ToLowerInvariant()).ToArray();
        foreach (var s in trainStyles.Append(testStyle))
            if (!fetched.Contains(s))
                throw new DatasetException($"emoji style '{s}' is not fetched here (found: {string.Join(", ", fetched)})", folder);
        if (trainStyles.Length == 0) throw new ArborException("no emoji training style: fetch a second style or set TrainStyles");
        if (trainStyles.Contains(testStyle))
            throw new ArborException($"emoji style '{testStyle}' cannot be both a training and the test style");

        var catalogue = Path.Combine(PackageFolder(folder, fetched[0]), "emoji.json");
        var emoji = ReadCatalogue(catalogue);
        var hierarchy = options.Hierarchy ?? ClassHierarchy.FromLeafPaths("emoji", new[] { "category", "subcategory", "emoji" },
            emoji.Select(e => (IReadOnlyList<string>)new[] { e.Category, e.Subcategory, e.ShortName }).ToList(), catalogue);

        List<ImageEntry> EntriesOf(string style)
        {
            var list = new List<ImageEntry>();
            foreach (var e in emoji)
            {
                if (!e.HasImage.Contains(style)) continue;
                if (!hierarchy.TryFind(hierarchy.Depth, e.ShortName, out var leaf))
                    throw new DatasetException($"emoji '{e.ShortName}' is not a leaf of hierarchy '{hierarchy.Name}'", catalogue);
                list.Add(new ImageEntry(Path.Combine(ImageFolder(folder, style), e.Image), leaf.LocalIndex));
            }
            return list;
        }

        var shape = (3, 64, 64);
        var pool = new FileImageDataset($"emoji {string.Join("+", trainStyles)}", hierarchy,
            trainStyles.SelectMany(EntriesOf).ToList(), shape);
        var test = new FileImageDataset($"emoji {testStyle} test", hierarchy, EntriesOf(testStyle), shape);
        var (train, validation) = SplitCarver.CarveValidation(pool, options.ValidationFraction, options.Seed, $"emoji {string.Join("+", trainStyles)}");
        return new DatasetSplits(train, validation, test,
            $"emoji from {folder}: train styles {string.Join(", ", trainStyles)} ({train.Count} train, {validation.Count} validation), " +
            $"test style {testStyle} ({test.Count}); {hierarchy.ClassesAt(1)} categories / {hierarchy.ClassesAt(2)} subcategories / {hierarchy.LeafCount} emoji");
    }

    sealed record Emoji(string Category, string Subcategory, string ShortName, string Image, int SortOrder, HashSet<string> HasImage);

    static List<Emoji> ReadCatalogue(string path)
    {
        // Strict JSON (UTF-8, no duplicate keys or lone surrogates), bounded like a hierarchy file: it is one.
        using (var doc = Arbor.IO.JsonInput.ReadFile(path, Arbor.IO.InputLimits.HierarchyFileBytes, "emoji catalogue"))
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Array) throw new DatasetException("expected a JSON array of emoji", path);
            var list = new List<Emoji>();
            int i = 0;
            foreach (var e in doc.RootElement.EnumerateArray())
            {
                if (e.ValueKind != JsonValueKind.Object) throw new DatasetException($"emoji entry {i} is not an object", path, index: i);
                string Need(string field) => e.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s
                    ? s : throw new DatasetException($"emoji entry {i} lacks the string field '{field}'", path, index: i);
                var category = Need("category");
                if (category == "Component") { i++; continue; }
                var has = Styles.Where(s => e.TryGetProperty($"has_img_{s}", out var v) && v.ValueKind == JsonValueKind.True).ToHashSet();
                int order = e.TryGetProperty("sort_order", out var so) && so.ValueKind == JsonValueKind.Number && so.TryGetInt32(out var o) ? o : i;
                var subcategory = Need("subcategory");
                var shortName = Need("short_name");
                // Names must differ along a path; emoji.json has e.g. the emoji "heart" in the subcategory "heart".
                if (shortName == subcategory || shortName == category) shortName += " emoji";
                var image = Need("image");
                if (image.Contains('/') || image.Contains('\\') || image.StartsWith('.'))
                    throw new DatasetException($"emoji entry {i} names image '{image}', not a plain file name", path, index: i);
                list.Add(new Emoji(category, subcategory, shortName, image, order, has));
                i++;
            }
            if (list.Count == 0) throw new DatasetException("no emoji outside the Component category", path);
            return list.OrderBy(e => e.SortOrder).ToList();
        }
    }
}
