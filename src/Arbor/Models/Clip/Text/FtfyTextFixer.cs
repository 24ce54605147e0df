using System.Text;
using System.Text.RegularExpressions;

namespace Arbor.Models.Clip.Text;

/// <summary>
/// ftfy 6.3's <c>fix_text</c> with its default settings, which OpenAI's CLIP tokenizer runs on every text: line by line,
/// repeated until stable — HTML entities (unless the line, or any line before it, contains '&lt;'), mojibake
/// (<see cref="MojibakeFixer"/>), C1 controls, Latin ligatures (ﬁ → fi), full-width and half-width forms, curly quotes,
/// line breaks, surrogates, terminal escapes, control characters (BOM, bidi and interlinear annotation marks included),
/// then NFC.
/// </summary>
internal static class FtfyTextFixer
{
    const int MaxDecodeLength = 1_000_000;
    static readonly Regex EntityPattern = new("&#?[0-9A-Za-z]{1,24};", RegexOptions.CultureInvariant | RegexOptions.Compiled);
    static PythonTextTables Tables => PythonTextTables.Instance;

    /// <summary>True when <c>fix_text</c> leaves the text unchanged for sure: printable ASCII, tabs and newlines, no '&amp;'.</summary>
    public static bool IsPlain(string text)
    {
        foreach (var c in text)
            if (c is > '~' or '&' || c < ' ' && c is not ('\t' or '\n')) return false;
        return true;
    }

    /// <summary><c>ftfy.fix_text(text)</c>.</summary>
    public static string FixText(string text)
    {
        if (IsPlain(text)) return text;
        var result = new StringBuilder(text.Length);
        bool unescapeHtml = true;   // "auto": switched off for good by the first line holding '<'
        int position = 0;
        while (position < text.Length)
        {
            int lineEnd = text.IndexOf('\n', position) + 1;
            if (lineEnd == 0) lineEnd = text.Length;
            if (lineEnd - position > MaxDecodeLength)
            {
                lineEnd = position + MaxDecodeLength;
                if (char.IsHighSurrogate(text[lineEnd - 1])) lineEnd++;
            }
            var segment = text[position..lineEnd];
            if (unescapeHtml && segment.Contains('<')) unescapeHtml = false;
            result.Append(FixSegment(segment, unescapeHtml));
            position = lineEnd;
        }
        return result.ToString();
    }

    static string FixSegment(string text, bool unescapeHtml)
    {
        while (true)
        {
            var original = text;
            if (unescapeHtml) text = UnescapeHtml(text);
            text = MojibakeFixer.FixEncoding(text);
            text = MojibakeFixer.FixC1Controls(text);
            text = Translate(text, Tables.Ligatures);
            text = Translate(text, Tables.WidthMap);
            text = UncurlQuotes(text);
            text = FixLineBreaks(text);
            text = FixSurrogates(text);
            text = RemoveTerminalEscapes(text);
            text = RemoveControlChars(text);
            text = UnicodeNfc.Normalize(text);
            if (text == original) return text;
        }
    }

    /// <summary>
    /// ftfy's <c>unescape_html</c>: <c>&amp;name;</c> from HTML5 (and upper-case forms of lower-case names, e.g.
    /// <c>&amp;EACUTE;</c>), and numeric references as Python's <c>html.unescape</c> reads them.
    /// </summary>
    static string UnescapeHtml(string text)
    {
        if (!text.Contains('&')) return text;
        return EntityPattern.Replace(text, m =>
        {
            if (Tables.FtfyHtmlEntities.TryGetValue(m.Value, out var value)) return value;
            if (!m.Value.StartsWith("&#", StringComparison.Ordinal)) return m.Value;
            var unescaped = PythonText.HtmlUnescape(m.Value);
            return unescaped.Contains(';') ? m.Value : unescaped;
        });
    }

    static string Translate(string text, Dictionary<char, string> map)
    {
        int first = 0;
        while (first < text.Length && !map.ContainsKey(text[first])) first++;
        if (first == text.Length) return text;
        var sb = new StringBuilder(text.Length + 8).Append(text, 0, first);
        for (int i = first; i < text.Length; i++)
            if (map.TryGetValue(text[i], out var replacement)) sb.Append(replacement);
            else sb.Append(text[i]);
        return sb.ToString();
    }

    static string UncurlQuotes(string text)
    {
        if (!text.Any(c => c is '\u02BC' or (>= '\u2018' and <= '\u201F'))) return text;
        return string.Create(text.Length, text, (span, t) =>
        {
            for (int i = 0; i < t.Length; i++)
                span[i] = t[i] switch { '\u02BC' or (>= '\u2018' and <= '\u201B') => '\'', >= '\u201C' and <= '\u201F' => '"', var c => c };
        });
    }

    static string FixLineBreaks(string text) =>
        text.Replace("\r\n", "\n").Replace('\r', '\n').Replace('\u2028', '\n').Replace('\u2029', '\n').Replace('\u0085', '\n');

    /// <summary>Lone surrogates become U+FFFD (pairs are already whole characters in .NET strings).</summary>
    static string FixSurrogates(string text)
    {
        StringBuilder? sb = null;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                sb?.Append(c).Append(text[i + 1]);
                i++;
                continue;
            }
            if (char.IsSurrogate(c))
            {
                sb ??= new StringBuilder(text.Length).Append(text, 0, i);
                sb.Append('\uFFFD');
            }
            else sb?.Append(c);
        }
        return sb?.ToString() ?? text;
    }

    /// <summary>Removes ANSI escapes as ftfy's <c>\x1b\[((?:\d|;)*)([a-zA-Z])</c> (Unicode decimal digits, as Python's \d).</summary>
    static string RemoveTerminalEscapes(string text)
    {
        int escape = text.IndexOf("\u001B[", StringComparison.Ordinal);
        if (escape < 0) return text;
        var sb = new StringBuilder(text.Length);
        int i = 0;
        while (i < text.Length)
        {
            if (text[i] == '\u001B' && i + 1 < text.Length && text[i + 1] == '[')
            {
                int j = i + 2;
                while (j < text.Length)
                {
                    if (text[j] == ';') { j++; continue; }
                    if (Rune.TryGetRuneAt(text, j, out var rune) && Rune.GetUnicodeCategory(rune) == System.Globalization.UnicodeCategory.DecimalDigitNumber)
                    {
                        j += rune.Utf16SequenceLength;
                        continue;
                    }
                    break;
                }
                if (j < text.Length && char.IsAsciiLetter(text[j]))
                {
                    i = j + 1;
                    continue;
                }
            }
            sb.Append(text[i++]);
        }
        return sb.ToString();
    }

    static string RemoveControlChars(string text)
    {
        var controls = Tables.ControlChars;
        int first = 0;
        while (first < text.Length && !controls.Contains(text[first])) first++;
        if (first == text.Length) return text;
        var sb = new StringBuilder(text.Length).Append(text, 0, first);
        for (int i = first; i < text.Length; i++)
            if (!controls.Contains(text[i])) sb.Append(text[i]);
        return sb.ToString();
    }
}
