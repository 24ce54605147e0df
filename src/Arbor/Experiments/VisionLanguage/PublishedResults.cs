using System.Globalization;

namespace Arbor.Experiments.VisionLanguage;

/// <summary>One published accuracy: a dataset, a method, a level (1 = coarsest), top-1 in percent, and where it is printed.</summary>
public sealed record PublishedAccuracy(string Dataset, string Method, int Level, double Top1Percent, string Source);

/// <summary>
/// The published rows of HGCLIP's table (<c>Tables/hgclip-published.tsv</c>, embedded): tab-separated
/// <c>dataset, method, level, top1, source</c>, a header line, <c>#</c> comments. docs/hgclip.md says where they come from.
/// </summary>
public static class PublishedResults
{
    const string ResourceName = "Arbor.Experiments.VisionLanguage.Tables.hgclip-published.tsv";

    static readonly Lazy<IReadOnlyList<PublishedAccuracy>> Embedded = new(() =>
    {
        using var stream = typeof(PublishedResults).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"embedded resource {ResourceName} is missing");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd(), "hgclip-published.tsv");
    });

    /// <summary>Every published row.</summary>
    public static IReadOnlyList<PublishedAccuracy> All => Embedded.Value;

    /// <summary>The published per-level accuracies of a dataset and method, coarse → fine (empty when none are transcribed).</summary>
    public static IReadOnlyList<PublishedAccuracy> For(string dataset, string method, IReadOnlyList<PublishedAccuracy>? rows = null) =>
        (rows ?? All).Where(r => string.Equals(r.Dataset, dataset, StringComparison.OrdinalIgnoreCase)
                                 && string.Equals(r.Method, method, StringComparison.OrdinalIgnoreCase))
            .OrderBy(r => r.Level).ToArray();

    /// <summary>Parses the table; a malformed line is an <see cref="ArborException"/> naming the file and line.</summary>
    public static IReadOnlyList<PublishedAccuracy> Parse(string text, string file)
    {
        var rows = new List<PublishedAccuracy>();
        var seen = new HashSet<(string, string, int)>();
        bool header = false;
        var lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var cells = line.Split('\t');
            if (!header)
            {
                if (cells.Length < 5 || cells[0] != "dataset" || cells[1] != "method" || cells[2] != "level" || cells[3] != "top1")
                    throw new ArborException($"line {i + 1}: expected the header 'dataset, method, level, top1, source' (tab-separated)", file);
                header = true;
                continue;
            }
            if (cells.Length != 5)
                throw new ArborException($"line {i + 1}: expected 5 tab-separated cells, found {cells.Length}", file);
            if (!int.TryParse(cells[2], NumberStyles.None, CultureInfo.InvariantCulture, out int level) || level < 1)
                throw new ArborException($"line {i + 1}: level '{cells[2]}' is not a positive integer", file);
            if (!double.TryParse(cells[3], NumberStyles.Float, CultureInfo.InvariantCulture, out double top1) || top1 is < 0 or > 100)
                throw new ArborException($"line {i + 1}: top1 '{cells[3]}' is not a percentage in [0, 100]", file);
            if (!seen.Add((cells[0].ToLowerInvariant(), cells[1].ToLowerInvariant(), level)))
                throw new ArborException($"line {i + 1}: a second row for {cells[0]} / {cells[1]} / level {level}", file);
            rows.Add(new PublishedAccuracy(cells[0], cells[1], level, top1, cells[4]));
        }
        if (!header) throw new ArborException("no header line", file);
        return rows;
    }
}
