using System.IO.Compression;
using System.Text.Json;

namespace Arbor.Models.Clip.Text;

/// <summary>
/// Facts about how the reference tokenizer's Python libraries treat text — Python 3.11's <c>str.lower</c>, white space,
/// <c>\w</c> and <c>html.unescape</c> tables, the <c>regex</c> module's letter/number classes, and ftfy 6.3.1's tables and
/// heuristics — read once from <c>python-text-tables.json.gz</c>, which <c>make_tables.py</c> (next to this file)
/// generates from those libraries themselves. Data, not code: the algorithms using them are ours.
/// </summary>
internal sealed class PythonTextTables
{
    static readonly Lazy<PythonTextTables> Shared = new(Load);

    /// <summary>The tables, loaded on first use.</summary>
    public static PythonTextTables Instance => Shared.Value;

    public required Dictionary<int, int[]> Decomposition { get; init; }
    public required Dictionary<int, int> CombiningClass { get; init; }
    /// <summary>Primary composites keyed by (first &lt;&lt; 21) | second.</summary>
    public required Dictionary<long, int> Composites { get; init; }
    public required CodePointSet PythonSpace { get; init; }
    public required CodePointSet PythonWord { get; init; }
    public required Dictionary<int, string> Lower { get; init; }
    public required CodePointSet CaseIgnorable { get; init; }
    public required CodePointSet Cased { get; init; }
    public required CodePointSet SplitLetters { get; init; }
    public required CodePointSet SplitNumbers { get; init; }
    public required CodePointSet SplitOther { get; init; }
    public required Dictionary<char, HashSet<int>> ContractionLetters { get; init; }
    public required Dictionary<string, string> Html5 { get; init; }
    public required Dictionary<int, string> HtmlInvalidCharrefs { get; init; }
    public required HashSet<int> HtmlInvalidCodepoints { get; init; }
    public required Dictionary<string, string> FtfyHtmlEntities { get; init; }
    public required string[] CharmapEncodings { get; init; }
    public required Dictionary<string, string> DecodingTables { get; init; }
    public required Dictionary<char, string> Ligatures { get; init; }
    public required Dictionary<char, string> WidthMap { get; init; }
    public required HashSet<char> ControlChars { get; init; }
    public required string BadnessPattern { get; init; }
    public required string Utf8DetectorPattern { get; init; }
    public required string AlteredUtf8Pattern { get; init; }
    public required string LossyUtf8Pattern { get; init; }

    static PythonTextTables Load()
    {
        const string name = "Arbor.Models.Clip.Text.python-text-tables.json.gz";
        using var stream = typeof(PythonTextTables).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"embedded resource {name} is missing from the Arbor assembly");
        using var gzip = new GZipStream(stream, CompressionMode.Decompress);
        using var json = JsonDocument.Parse(gzip);
        var root = json.RootElement;
        CodePointSet Set(string key) => new(root.GetProperty(key).EnumerateArray().Select(r => (r[0].GetInt32(), r[1].GetInt32())));
        Dictionary<string, string> Strings(string key) =>
            root.GetProperty(key).EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
        Dictionary<int, string> ByCodePoint(string key) =>
            root.GetProperty(key).EnumerateObject().ToDictionary(p => int.Parse(p.Name), p => p.Value.GetString()!);
        Dictionary<char, string> ByChar(string key) => ByCodePoint(key).ToDictionary(p => checked((char)p.Key), p => p.Value);
        return new PythonTextTables
        {
            Decomposition = root.GetProperty("nfc_decomposition").EnumerateObject()
                .ToDictionary(p => int.Parse(p.Name), p => p.Value.EnumerateArray().Select(v => v.GetInt32()).ToArray()),
            CombiningClass = root.GetProperty("nfc_combining_class").EnumerateObject().ToDictionary(p => int.Parse(p.Name), p => p.Value.GetInt32()),
            Composites = root.GetProperty("nfc_composites").EnumerateArray()
                .ToDictionary(t => ((long)t[0].GetInt32() << 21) | (uint)t[1].GetInt32(), t => t[2].GetInt32()),
            PythonSpace = Set("python_space"),
            PythonWord = Set("python_word"),
            Lower = ByCodePoint("lower"),
            CaseIgnorable = Set("case_ignorable"),
            Cased = Set("cased"),
            SplitLetters = Set("split_letters"),
            SplitNumbers = Set("split_numbers"),
            SplitOther = Set("split_other"),
            ContractionLetters = root.GetProperty("contraction_letters").EnumerateObject()
                .ToDictionary(p => p.Name[0], p => p.Value.EnumerateArray().Select(v => v.GetInt32()).ToHashSet()),
            Html5 = Strings("html5"),
            HtmlInvalidCharrefs = ByCodePoint("html_invalid_charrefs"),
            HtmlInvalidCodepoints = root.GetProperty("html_invalid_codepoints").EnumerateArray().Select(v => v.GetInt32()).ToHashSet(),
            FtfyHtmlEntities = Strings("ftfy_html_entities"),
            CharmapEncodings = root.GetProperty("ftfy_charmap_encodings").EnumerateArray().Select(v => v.GetString()!).ToArray(),
            DecodingTables = Strings("ftfy_decoding_tables"),
            Ligatures = ByChar("ftfy_ligatures"),
            WidthMap = ByChar("ftfy_width_map"),
            ControlChars = root.GetProperty("ftfy_control_chars").EnumerateArray().Select(v => checked((char)v.GetInt32())).ToHashSet(),
            BadnessPattern = root.GetProperty("ftfy_badness_re").GetString()!,
            Utf8DetectorPattern = root.GetProperty("ftfy_utf8_detector_re").GetString()!,
            AlteredUtf8Pattern = root.GetProperty("ftfy_altered_utf8_re").GetString()!,
            LossyUtf8Pattern = root.GetProperty("ftfy_lossy_utf8_re").GetString()!,
        };
    }
}
