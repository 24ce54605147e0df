using System.Text;
using System.Text.RegularExpressions;

namespace Arbor.Tests.Fuzz;

/// <summary>
/// Mutates inputs the way damaged or hostile files differ from good ones: truncation, bit flips, interesting bytes,
/// inserted, deleted and duplicated runs, invalid UTF-8, huge or negative numbers, wrong JSON types, duplicate keys,
/// lone-surrogate escapes. Deterministic for a given <see cref="Random"/>.
/// </summary>
public sealed class Mutator(Random rng)
{
    static readonly byte[] InterestingBytes = [0x00, 0xff, 0x7f, 0x80, 0x01, (byte)'"', (byte)'{', (byte)'}', (byte)'[', (byte)',',
        (byte)'\n', (byte)'\\', (byte)':', (byte)'#', (byte)'.', (byte)'/', 0xc0, 0xed, 0xfe];

    static readonly byte[][] InvalidUtf8 = [[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf0, 0x90, 0x80], [0xc0, 0xaf], [0x80]];

    static readonly string[] HugeNumbers = ["-1", "0", "2147483647", "2147483648", "-2147483649", "4294967296", "9223372036854775807",
        "99999999999999999999999", "1e308", "1e999", "1.5", "-0", "NaN", "65536", "16777216"];

    static readonly string[] WrongValues = ["\"\"", "\"\\ud800\"", "\"\\udfff x\"", "5", "null", "true", "[]", "{}", "[1,2]", "\"\\u0000\"",
        "{\"a\":1}", "-7", "\"x\""];

    static readonly Regex Number = new(@"-?\d+(\.\d+)?([eE][+-]?\d+)?", RegexOptions.Compiled);
    static readonly Regex JsonString = new(@"""(?:[^""\\]|\\.)*""", RegexOptions.Compiled);
    static readonly Regex JsonPair = new(@"""(?:[^""\\]|\\.)*""\s*:\s*(""(?:[^""\\]|\\.)*""|-?\d[\d.eE+-]*|true|false|null|\[[^\[\]]*\])", RegexOptions.Compiled);

    /// <summary>One to four byte-level mutations.</summary>
    public byte[] Bytes(byte[] input)
    {
        var data = new List<byte>(input);
        int ops = 1 + rng.Next(4);
        for (int k = 0; k < ops; k++) ByteOp(data);
        return data.ToArray();
    }

    /// <summary>One to three text-level mutations (numbers, strings, JSON pairs), sometimes followed by a byte mutation.</summary>
    public byte[] Text(string text)
    {
        int ops = 1 + rng.Next(3);
        for (int k = 0; k < ops; k++) text = TextOp(text);
        var bytes = Encoding.UTF8.GetBytes(text);
        return rng.Next(4) == 0 ? Bytes(bytes) : bytes;
    }

    void ByteOp(List<byte> d)
    {
        int at = d.Count == 0 ? 0 : rng.Next(d.Count);
        switch (rng.Next(9))
        {
            case 0: { int cut = rng.Next(d.Count + 1); d.RemoveRange(cut, d.Count - cut); break; }          // truncation
            case 1: if (d.Count > 0) d[at] ^= (byte)(1 << rng.Next(8)); break;
            case 2: if (d.Count > 0) d[at] = InterestingBytes[rng.Next(InterestingBytes.Length)]; break;
            case 3: { var ins = new byte[1 + rng.Next(8)]; rng.NextBytes(ins); d.InsertRange(at, ins); break; }
            case 4: if (d.Count > 0) d.RemoveRange(at, Math.Min(d.Count - at, 1 + rng.Next(16))); break;
            case 5: if (d.Count > 0) { int len = Math.Min(d.Count - at, 1 + rng.Next(64)); d.InsertRange(rng.Next(d.Count), d.GetRange(at, len)); } break;
            case 6: d.InsertRange(at, InvalidUtf8[rng.Next(InvalidUtf8.Length)]); break;
            case 7: if (d.Count >= 4) { int p = rng.Next(d.Count - 3); for (int i = 0; i < 4; i++) d[p + i] = rng.Next(2) == 0 ? (byte)0xff : (byte)0x7f; } break;
            default: { int n = Math.Min(d.Count, 1 + rng.Next(8)); d.RemoveRange(d.Count - n, n); break; }   // a lost tail
        }
    }

    string TextOp(string t)
    {
        switch (rng.Next(7))
        {
            case 0: return ReplaceRandom(t, Number, _ => HugeNumbers[rng.Next(HugeNumbers.Length)]);
            case 1: return ReplaceRandom(t, JsonString, _ => WrongValues[rng.Next(WrongValues.Length)]);
            case 2: return ReplaceRandom(t, JsonPair, m => m.Value + ", " + m.Value);                         // duplicate key
            case 3: return ReplaceRandom(t, JsonPair, m => m.Value[..(m.Value.IndexOf(':') + 1)] + WrongValues[rng.Next(WrongValues.Length)]);
            case 4: return t.Length == 0 ? t : t.Insert(rng.Next(t.Length), new string(',', 1 + rng.Next(2)));
            case 5: return t.Length == 0 ? t : t.Insert(rng.Next(t.Length), rng.Next(2) == 0 ? "\"\\ud800\"" : new string('x', 1 + rng.Next(3000)));
            default: return t.Length == 0 ? t : t[..rng.Next(t.Length)];
        }
    }

    string ReplaceRandom(string text, Regex pattern, Func<Match, string> replacement)
    {
        var matches = pattern.Matches(text);
        if (matches.Count == 0) return text;
        var m = matches[rng.Next(matches.Count)];
        return text[..m.Index] + replacement(m) + text[(m.Index + m.Length)..];
    }
}
