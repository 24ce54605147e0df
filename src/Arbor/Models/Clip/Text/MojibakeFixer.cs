using System.Text;
using System.Text.RegularExpressions;

namespace Arbor.Models.Clip.Text;

/// <summary>
/// ftfy's <c>fix_encoding</c> with its default settings: while the text looks like mojibake (ftfy's "badness" heuristic),
/// find the first single-byte code page (latin-1, sloppy windows-125x, iso-8859-2, macroman, cp437) that can encode it,
/// repair the bytes that get lost in transit (a non-breaking space turned into a space, undecodable bytes turned into
/// '?' or U+FFFD), and decode them as UTF-8 (or ftfy's UTF-8 variants: CESU-8 surrogate pairs, Java's C0 80 null);
/// failing that, fix UTF-8 mojibake embedded in otherwise good text, latin-1 text that was meant as windows-1252, or
/// C1 control characters. Repeats until nothing changes.
/// </summary>
internal static class MojibakeFixer
{
    static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    static readonly Lazy<State> Shared = new(() => new State(PythonTextTables.Instance));

    sealed class State
    {
        public readonly Regex Badness, Utf8Detector, AlteredUtf8, LossyUtf8;
        public readonly Regex AGraveWord = new("\u00C3 (?! |quele|quela|quilo|s )", RegexOptions.CultureInvariant);
        public readonly (string Name, string Table, HashSet<char> Encodable, Dictionary<char, byte> Encode)[] Encodings;
        public readonly string SloppyWindows1252;

        public State(PythonTextTables t)
        {
            const RegexOptions options = RegexOptions.CultureInvariant | RegexOptions.Compiled;
            Badness = new Regex(FromPython(t.BadnessPattern, t), options);
            Utf8Detector = new Regex(FromPython(t.Utf8DetectorPattern, t), options);
            AlteredUtf8 = new Regex(t.AlteredUtf8Pattern, RegexOptions.CultureInvariant);
            LossyUtf8 = new Regex(t.LossyUtf8Pattern, RegexOptions.CultureInvariant);
            Encodings = t.CharmapEncodings.Select(name =>
            {
                var table = t.DecodingTables[name];
                // ftfy's possible_encoding: ASCII but \x1a, plus what bytes 0x80–0xFF and 0x1A decode to.
                var encodable = new HashSet<char>(Enumerable.Range(0, 128).Where(c => c != 0x1A).Select(c => (char)c));
                foreach (var b in Enumerable.Range(128, 128).Append(0x1A)) encodable.Add(table[b]);
                var encode = new Dictionary<char, byte>();
                for (int b = 0; b < 256; b++) encode.TryAdd(table[b], (byte)b);
                return (name, table, encodable, encode);
            }).ToArray();
            SloppyWindows1252 = t.DecodingTables["sloppy-windows-1252"];
        }
    }

    static State S => Shared.Value;

    /// <summary>ftfy's <c>is_bad</c>: does the text contain a sequence typical of mojibake?</summary>
    public static bool IsBad(string text) => S.Badness.IsMatch(text);

    /// <summary>ftfy's <c>fix_encoding</c>.</summary>
    public static string FixEncoding(string text)
    {
        while (true)
        {
            var previous = text;
            text = FixOneStep(text);
            if (text == previous) return text;
        }
    }

    /// <summary>ftfy's <c>fix_c1_controls</c>: C1 controls read as the windows-1252 characters they stand for.</summary>
    public static string FixC1Controls(string text)
    {
        if (!text.Any(c => c is >= '\u0080' and <= '\u009F')) return text;
        var table = S.SloppyWindows1252;
        return string.Create(text.Length, text, (span, t) =>
        {
            for (int i = 0; i < t.Length; i++) span[i] = t[i] is >= '\u0080' and <= '\u009F' ? table[t[i]] : t[i];
        });
    }

    static string FixOneStep(string text)
    {
        if (text.Length == 0 || IsAscii(text) || !IsBad(text)) return text;
        var possible = new List<string>();
        foreach (var (name, _, encodable, encode) in S.Encodings)
        {
            if (!text.All(encodable.Contains)) continue;
            possible.Add(name);
            var bytes = new byte[text.Length];
            for (int i = 0; i < text.Length; i++) bytes[i] = encode[text[i]];
            if (name != "macroman" && S.AlteredUtf8.IsMatch(Latin1(bytes))) bytes = RestoreByteA0(bytes);
            if (name.StartsWith("sloppy", StringComparison.Ordinal)) bytes = FromLatin1(S.LossyUtf8.Replace(Latin1(bytes), "\u00EF\u00BF\u00BD"));
            var decoded = bytes.Contains((byte)0xED) || bytes.Contains((byte)0xC0) ? DecodeUtf8Variants(bytes) : DecodeUtf8(bytes);
            if (decoded is not null) return decoded;
        }
        if (S.Utf8Detector.IsMatch(text))
        {
            var fixedText = S.Utf8Detector.Replace(text, m => m.Value.Length < text.Length && IsBad(m.Value) ? FixEncoding(m.Value) : m.Value);
            if (fixedText != text) return fixedText;
        }
        // ftfy checks for "windows-1252" among the possible encodings, which only lists "sloppy-windows-1252": so latin-1
        // text is always retried as strict windows-1252.
        if (possible.Contains("latin-1"))
        {
            var asWindows1252 = DecodeStrictWindows1252(text);
            if (asWindows1252 is not null && asWindows1252 != text) return asWindows1252;
        }
        return text.Any(c => c is >= '\u0080' and <= '\u009F') ? FixC1Controls(text) : text;
    }

    /// <summary>ftfy's <c>restore_byte_a0</c>: spaces that stand for a lost 0xA0 inside UTF-8 sequences become 0xA0 again.</summary>
    static byte[] RestoreByteA0(byte[] bytes)
    {
        var s = S.AGraveWord.Replace(Latin1(bytes), "\u00C3\u00A0 ");
        s = S.AlteredUtf8.Replace(s, m => m.Value.Replace(' ', '\u00A0'));
        return FromLatin1(s);
    }

    static string? DecodeUtf8(byte[] bytes)
    {
        try { return StrictUtf8.GetString(bytes); }
        catch (DecoderFallbackException) { return null; }
    }

    /// <summary>
    /// ftfy's "utf-8-variants" codec: strict UTF-8 plus C0 80 → U+0000 and CESU-8 surrogate pairs
    /// (ED A0–AF 80–BF ED B0–BF 80–BF) → the code point they encode; anything else invalid fails (null).
    /// </summary>
    static string? DecodeUtf8Variants(byte[] b)
    {
        var sb = new StringBuilder(b.Length);
        int i = 0;
        while (i < b.Length)
        {
            if (b[i] == 0xC0 && i + 1 < b.Length && b[i + 1] == 0x80)
            {
                sb.Append('\0');
                i += 2;
                continue;
            }
            if (b[i] == 0xED && i + 5 < b.Length && b[i + 1] is >= 0xA0 and <= 0xAF && b[i + 2] is >= 0x80 and <= 0xBF
                && b[i + 3] == 0xED && b[i + 4] is >= 0xB0 and <= 0xBF && b[i + 5] is >= 0x80 and <= 0xBF)
            {
                int cp = ((b[i + 1] & 0x0F) << 16) + ((b[i + 2] & 0x3F) << 10) + ((b[i + 4] & 0x0F) << 6) + (b[i + 5] & 0x3F) + 0x10000;
                sb.Append(char.ConvertFromUtf32(cp));
                i += 6;
                continue;
            }
            int length = b[i] < 0x80 ? 1 : b[i] >= 0xF0 ? 4 : b[i] >= 0xE0 ? 3 : 2;
            if (i + length > b.Length) return null;
            var one = DecodeUtf8(b[i..(i + length)]);
            if (one is null) return null;
            sb.Append(one);
            i += length;
        }
        return sb.ToString();
    }

    static string? DecodeStrictWindows1252(string latin1Text)
    {
        var table = S.SloppyWindows1252;
        var chars = new char[latin1Text.Length];
        for (int i = 0; i < latin1Text.Length; i++)
        {
            char c = latin1Text[i];
            if (c is '\u0081' or '\u008D' or '\u008F' or '\u0090' or '\u009D') return null;   // undefined in windows-1252
            chars[i] = c == '\u001A' ? c : table[c];
        }
        return new string(chars);
    }

    static bool IsAscii(string text)
    {
        foreach (var c in text)
            if (c >= 128) return false;
        return true;
    }

    static string Latin1(byte[] bytes) => Encoding.Latin1.GetString(bytes);
    static byte[] FromLatin1(string s) => Encoding.Latin1.GetBytes(s);

    /// <summary>
    /// A Python <c>re</c> pattern (str, no flags) as a .NET pattern that matches the same code points: <c>\s</c> and
    /// <c>\w</c> become Python's classes (with surrogate pairs for <c>\w</c> beyond the BMP), <c>.</c> outside a class
    /// matches a whole surrogate pair.
    /// </summary>
    internal static string FromPython(string pattern, PythonTextTables t)
    {
        var sb = new StringBuilder(pattern.Length * 2);
        bool inClass = false;
        string space = t.PythonSpace.BmpClassBody();
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                char next = pattern[++i];
                if (next == 's') sb.Append(inClass ? space : $"[{space}]");
                else if (next == 'w' && !inClass)
                    sb.Append("(?:[").Append(t.PythonWord.BmpClassBody()).Append("]|").Append(t.PythonWord.SurrogateAlternatives()).Append(')');
                else if (next is 'w' or 'd' or 'W' or 'S' or 'D' or 'b' or 'B')
                    throw new NotSupportedException($"Python pattern construct \\{next} is not translated");
                else sb.Append(c).Append(next);
                continue;
            }
            if (inClass)
            {
                if (c == ']' && pattern[i - 1] != '[' && !(pattern[i - 1] == '^' && pattern[i - 2] == '[')) inClass = false;
                sb.Append(c);
            }
            else if (c == '[') { inClass = true; sb.Append(c); }
            else if (c == '.') sb.Append(@"(?:[\uD800-\uDBFF][\uDC00-\uDFFF]|[^\n])");
            else sb.Append(c);
        }
        return sb.ToString();
    }
}
