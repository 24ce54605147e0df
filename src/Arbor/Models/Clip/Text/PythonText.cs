using System.Text;

namespace Arbor.Models.Clip.Text;

/// <summary>
/// Python 3.11's string rules that CLIP's tokenizer relies on, on code points (not UTF-16 units): <c>str.lower()</c>
/// (full mappings such as İ → i̇, and Σ → ς at the end of a word), <c>str.isspace()</c> / <c>re</c>'s <c>\s</c>
/// (whitespace collapse and <c>strip()</c>), and <c>html.unescape</c> (HTML5 names with and without semicolons, the longest
/// known prefix of an unknown name, numeric references remapped to windows-1252, U+FFFD or nothing as the standard says).
/// </summary>
internal static class PythonText
{
    static PythonTextTables Tables => PythonTextTables.Instance;

    /// <summary>Python's <c>str.isspace()</c> (also <c>re</c>'s <c>\s</c> on str patterns).</summary>
    public static bool IsSpace(int codePoint) => codePoint < 128
        ? codePoint is ' ' or (>= '\t' and <= '\r') or (>= 0x1C and <= 0x1F)
        : Tables.PythonSpace.Contains(codePoint);

    /// <summary><c>re.sub(r'\s+', ' ', text).strip()</c>.</summary>
    public static string CollapseWhitespace(string text)
    {
        var sb = new StringBuilder(text.Length);
        bool pendingSpace = false;
        foreach (var rune in text.EnumerateRunes())
        {
            if (IsSpace(rune.Value))
            {
                pendingSpace = sb.Length > 0;
                continue;
            }
            if (pendingSpace) sb.Append(' ');
            pendingSpace = false;
            sb.Append(rune.ToString());
        }
        return sb.ToString();
    }

    /// <summary>Python's <c>str.lower()</c>.</summary>
    public static string Lower(string text)
    {
        bool ascii = true;
        foreach (var c in text)
            if (c >= 128) { ascii = false; break; }
        if (ascii) return text.ToLowerInvariant();   // identical on ASCII
        var runes = new List<int>(text.Length);
        foreach (var rune in text.EnumerateRunes()) runes.Add(rune.Value);
        // Lone surrogates stay as they are (EnumerateRunes would turn them into U+FFFD).
        if (HasLoneSurrogate(text)) runes = CodeUnitsAsCodePoints(text);
        var sb = new StringBuilder(text.Length + 8);
        for (int i = 0; i < runes.Count; i++)
        {
            int c = runes[i];
            if (c == 0x3A3) sb.Append(IsFinalSigma(runes, i) ? 'ς' : 'σ');
            else if (Tables.Lower.TryGetValue(c, out var lower)) sb.Append(lower);
            else AppendCodePoint(sb, c);
        }
        return sb.ToString();
    }

    /// <summary>Python's Final_Sigma test: a cased letter before (skipping case-ignorable ones) and none after.</summary>
    static bool IsFinalSigma(List<int> runes, int i)
    {
        int j = i - 1;
        while (j >= 0 && Tables.CaseIgnorable.Contains(runes[j])) j--;
        if (j < 0 || !Tables.Cased.Contains(runes[j])) return false;
        j = i + 1;
        while (j < runes.Count && Tables.CaseIgnorable.Contains(runes[j])) j++;
        return j == runes.Count || !Tables.Cased.Contains(runes[j]);
    }

    /// <summary>Python's <c>html.unescape</c>.</summary>
    public static string HtmlUnescape(string s)
    {
        int amp = s.IndexOf('&');
        if (amp < 0) return s;
        var sb = new StringBuilder(s.Length);
        sb.Append(s, 0, amp);
        int i = amp;
        while (i < s.Length)
        {
            if (s[i] != '&')
            {
                sb.Append(s[i++]);
                continue;
            }
            int consumed = Reference(s, i + 1, sb);
            if (consumed == 0) sb.Append('&');
            i += 1 + consumed;
        }
        return sb.ToString();
    }

    /// <summary>
    /// Reads the reference after an '&amp;' at <paramref name="start"/> as Python's pattern
    /// <c>#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f &lt;&amp;#;]{1,32};?</c> does; appends its replacement and returns the
    /// characters consumed, or 0 when no reference starts there.
    /// </summary>
    static int Reference(string s, int start, StringBuilder sb)
    {
        if (start >= s.Length) return 0;
        if (s[start] == '#')
        {
            int j = start + 1;
            bool hex = j + 1 < s.Length && (s[j] == 'x' || s[j] == 'X') && char.IsAsciiHexDigit(s[j + 1]);
            bool dec = j < s.Length && char.IsAsciiDigit(s[j]);
            if (!hex && !dec) return 0;
            if (hex) j++;
            long value = 0;
            for (; j < s.Length && (hex ? char.IsAsciiHexDigit(s[j]) : char.IsAsciiDigit(s[j])); j++)
                value = Math.Min(value * (hex ? 16 : 10) + HexValue(s[j]), 0x110000);   // anything larger is U+FFFD anyway
            if (j < s.Length && s[j] == ';') j++;
            int num = (int)value;
            if (Tables.HtmlInvalidCharrefs.TryGetValue(num, out var remapped)) sb.Append(remapped);
            else if (num is >= 0xD800 and <= 0xDFFF || num > 0x10FFFF) sb.Append('\uFFFD');
            else if (!Tables.HtmlInvalidCodepoints.Contains(num)) AppendCodePoint(sb, num);
            return j - start;
        }
        int end = start, count = 0;
        while (end < s.Length && count < 32 && s[end] is not ('\t' or '\n' or '\f' or ' ' or '<' or '&' or '#' or ';'))
        {
            end += char.IsHighSurrogate(s[end]) && end + 1 < s.Length && char.IsLowSurrogate(s[end + 1]) ? 2 : 1;
            count++;
        }
        if (count == 0) return 0;
        if (end < s.Length && s[end] == ';') end++;
        var name = s.Substring(start, end - start);
        if (Tables.Html5.TryGetValue(name, out var value5)) sb.Append(value5);
        else
        {
            // The longest known prefix of at least two characters (names are ASCII, so UTF-16 prefixes will do).
            int x = name.Length - 1;
            for (; x > 1; x--)
                if (Tables.Html5.TryGetValue(name[..x], out var prefix))
                {
                    sb.Append(prefix).Append(name, x, name.Length - x);
                    break;
                }
            if (x <= 1) sb.Append('&').Append(name);
        }
        return end - start;
    }

    static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

    internal static void AppendCodePoint(StringBuilder sb, int codePoint)
    {
        if (codePoint < 0x10000) sb.Append((char)codePoint);
        else sb.Append(char.ConvertFromUtf32(codePoint));
    }

    static bool HasLoneSurrogate(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { i++; continue; }
            if (char.IsSurrogate(text[i])) return true;
        }
        return false;
    }

    /// <summary>Code points of a string that may hold lone surrogates (each kept as its own code point, as in Python).</summary>
    internal static List<int> CodeUnitsAsCodePoints(string text)
    {
        var list = new List<int>(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                list.Add(char.ConvertToUtf32(text[i], text[i + 1]));
                i++;
            }
            else list.Add(text[i]);
        }
        return list;
    }
}
