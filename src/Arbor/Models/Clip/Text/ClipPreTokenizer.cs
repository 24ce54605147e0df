namespace Arbor.Models.Clip.Text;

/// <summary>
/// CLIP's pre-tokenizer, OpenAI's <c>regex</c> pattern
/// <c>&lt;\|startoftext\|&gt;|&lt;\|endoftext\|&gt;|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+</c> under
/// IGNORECASE, as a scanner over code points. The letter, number and "other" classes are the ones the <c>regex</c> module
/// uses with IGNORECASE (a character whose case fold is a letter counts as one — so U+0345 is in no class and, like white
/// space, starts no token); the contractions match case-insensitively ('ſ matches 's).
/// </summary>
internal static class ClipPreTokenizer
{
    static readonly string[] Special = [ClipTokenizer.StartOfText, ClipTokenizer.EndOfText];
    static readonly string[] Contractions = ["s", "t", "re", "ve", "m", "ll", "d"];
    static PythonTextTables Tables => PythonTextTables.Instance;

    /// <summary>The pre-tokens of cleaned text, in order.</summary>
    public static List<string> Split(string text)
    {
        var tokens = new List<string>();
        int i = 0;
        while (i < text.Length)
        {
            int end = Match(text, i);
            if (end > i)
            {
                tokens.Add(text[i..end]);
                i = end;
            }
            else i += CodePointLength(text, i);
        }
        return tokens;
    }

    /// <summary>End of the token starting at <paramref name="i"/>, or <paramref name="i"/> when none starts there.</summary>
    static int Match(string text, int i)
    {
        if (text[i] == '<')
            foreach (var s in Special)
                if (string.CompareOrdinal(text, i, s, 0, s.Length) == 0) return i + s.Length;
        if (text[i] == '\'')
            foreach (var c in Contractions)
            {
                int j = i + 1, k = 0;
                while (k < c.Length && j < text.Length && Tables.ContractionLetters[c[k]].Contains(CodePointAt(text, j)))
                {
                    j += CodePointLength(text, j);
                    k++;
                }
                if (k == c.Length) return j;
            }
        int cp = CodePointAt(text, i);
        if (IsLetter(cp))
        {
            int j = i + CodePointLength(text, i);
            while (j < text.Length && IsLetter(CodePointAt(text, j))) j += CodePointLength(text, j);
            return j;
        }
        if (Tables.SplitNumbers.Contains(cp)) return i + CodePointLength(text, i);
        if (IsOther(cp))
        {
            int j = i + CodePointLength(text, i);
            while (j < text.Length && IsOther(CodePointAt(text, j))) j += CodePointLength(text, j);
            return j;
        }
        return i;
    }

    static bool IsLetter(int cp) => Tables.SplitLetters.Contains(cp);

    static bool IsOther(int cp) => Tables.SplitOther.Contains(cp);

    static int CodePointAt(string text, int i) =>
        char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? char.ConvertToUtf32(text[i], text[i + 1]) : text[i];

    static int CodePointLength(string text, int i) =>
        char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;
}
