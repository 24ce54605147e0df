namespace Arbor.Models.Clip.Text;

/// <summary>A set of Unicode code points: a bitmap for the Basic Multilingual Plane, sorted ranges beyond it.</summary>
internal sealed class CodePointSet
{
    readonly ulong[] _bmp = new ulong[65536 / 64];
    readonly int[] _starts, _ends;

    /// <summary>A set from inclusive [start, end] ranges in ascending order.</summary>
    public CodePointSet(IEnumerable<(int Start, int End)> ranges)
    {
        var above = new List<(int, int)>();
        foreach (var (start, end) in ranges)
        {
            for (int c = start; c <= Math.Min(end, 0xFFFF); c++) _bmp[c >> 6] |= 1UL << (c & 63);
            if (end > 0xFFFF) above.Add((Math.Max(start, 0x10000), end));
        }
        _starts = above.Select(r => r.Item1).ToArray();
        _ends = above.Select(r => r.Item2).ToArray();
    }

    public bool Contains(int codePoint)
    {
        if ((uint)codePoint <= 0xFFFF) return (_bmp[codePoint >> 6] & (1UL << (codePoint & 63))) != 0;
        int i = Array.BinarySearch(_starts, codePoint);
        if (i < 0) i = ~i - 1;
        return i >= 0 && codePoint <= _ends[i];
    }

    /// <summary>The BMP members as a regular-expression class body (escaped ranges, no brackets).</summary>
    public string BmpClassBody()
    {
        var body = new System.Text.StringBuilder();
        for (int c = 0; c <= 0xFFFF; c++)
        {
            if (!Contains(c)) continue;
            int end = c;
            while (end < 0xFFFF && Contains(end + 1)) end++;
            body.Append($"\\u{c:X4}");
            if (end > c) body.Append($"-\\u{end:X4}");
            c = end;
        }
        return body.ToString();
    }

    /// <summary>The members above the BMP as UTF-16 alternatives (<c>\uD835[\uDC00-\uDC19]|…</c>), or "" when none.</summary>
    public string SurrogateAlternatives()
    {
        var byHigh = new SortedDictionary<int, List<(int, int)>>();
        for (int i = 0; i < _starts.Length; i++)
            for (int c = _starts[i]; c <= _ends[i];)
            {
                int high = 0xD800 + ((c - 0x10000) >> 10);
                int lastInBlock = Math.Min(_ends[i], 0x10000 + ((high - 0xD800 + 1) << 10) - 1);
                if (!byHigh.TryGetValue(high, out var lows)) byHigh[high] = lows = [];
                lows.Add((0xDC00 + ((c - 0x10000) & 0x3FF), 0xDC00 + ((lastInBlock - 0x10000) & 0x3FF)));
                c = lastInBlock + 1;
            }
        return string.Join("|", byHigh.Select(kv =>
            $"\\u{kv.Key:X4}[" + string.Concat(kv.Value.Select(r => r.Item1 == r.Item2 ? $"\\u{r.Item1:X4}" : $"\\u{r.Item1:X4}-\\u{r.Item2:X4}")) + "]"));
    }
}
