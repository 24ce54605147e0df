using System.Text;

namespace Arbor.Models.Clip.Text;

/// <summary>
/// Unicode Normalization Form C on the reference's Unicode version (Python 3.11's unicodedata, Unicode 14), from its
/// canonical decompositions, combining classes and primary composites (data in <see cref="PythonTextTables"/>), plus the
/// Hangul syllable arithmetic. Ours because .NET's <c>string.Normalize</c> depends on ICU, which this build runs without
/// (invariant globalisation), and on ICU's Unicode version.
/// </summary>
internal static class UnicodeNfc
{
    const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7, LCount = 19, VCount = 21, TCount = 28;
    const int NCount = VCount * TCount, SCount = LCount * NCount;

    static PythonTextTables Tables => PythonTextTables.Instance;

    /// <summary><c>unicodedata.normalize("NFC", text)</c>.</summary>
    public static string Normalize(string text)
    {
        bool simple = true;
        foreach (var c in text)
            if (c >= '\u0300') { simple = false; break; }
        if (simple) return text;   // nothing below U+0300 decomposes, combines or composes
        var chars = new List<int>(text.Length);
        foreach (var cp in PythonText.CodeUnitsAsCodePoints(text)) Decompose(cp, chars);
        Reorder(chars);
        Compose(chars);
        var sb = new StringBuilder(text.Length);
        foreach (var cp in chars) PythonText.AppendCodePoint(sb, cp);
        var result = sb.ToString();
        return result == text ? text : result;
    }

    static int Class(int cp) => Tables.CombiningClass.TryGetValue(cp, out var ccc) ? ccc : 0;

    static void Decompose(int cp, List<int> output)
    {
        if (cp is >= SBase and < SBase + SCount)
        {
            int s = cp - SBase;
            output.Add(LBase + s / NCount);
            output.Add(VBase + s % NCount / TCount);
            if (s % TCount != 0) output.Add(TBase + s % TCount);
            return;
        }
        if (Tables.Decomposition.TryGetValue(cp, out var parts))
            foreach (var p in parts) Decompose(p, output);
        else output.Add(cp);
    }

    /// <summary>Canonical ordering: runs of non-starters sorted stably by combining class.</summary>
    static void Reorder(List<int> chars)
    {
        for (int i = 1; i < chars.Count; i++)
        {
            int ccc = Class(chars[i]);
            if (ccc == 0) continue;
            for (int j = i; j > 0 && Class(chars[j - 1]) > ccc; j--) (chars[j - 1], chars[j]) = (chars[j], chars[j - 1]);
        }
    }

    /// <summary>Canonical composition: each character joins the last starter unless a character between blocks it.</summary>
    static void Compose(List<int> chars)
    {
        int starter = -1, lastClass = -1, write = 0;
        for (int read = 0; read < chars.Count; read++)
        {
            int cp = chars[read], ccc = Class(cp);
            if (starter >= 0 && (lastClass < ccc || lastClass == 0 && write == starter + 1) && TryCompose(chars[starter], cp, out int composite))
            {
                chars[starter] = composite;
                continue;
            }
            if (ccc == 0) starter = write;
            lastClass = ccc;
            chars[write++] = cp;
        }
        chars.RemoveRange(write, chars.Count - write);
    }

    static bool TryCompose(int first, int second, out int composite)
    {
        if (first is >= LBase and < LBase + LCount && second is >= VBase and < VBase + VCount)
        {
            composite = SBase + ((first - LBase) * VCount + (second - VBase)) * TCount;
            return true;
        }
        if (first is >= SBase and < SBase + SCount && (first - SBase) % TCount == 0 && second is > TBase and < TBase + TCount)
        {
            composite = first + (second - TBase);
            return true;
        }
        return Tables.Composites.TryGetValue(((long)first << 21) | (uint)second, out composite);
    }
}
