using System.Text.Json;
using Arbor.Models.Clip;

namespace Arbor.Tests.Clip;

public class ClipTokenizerTests
{
    // A hand-built vocabulary. Merges (rank order): p h → ph, o t → ot, ph ot → phot, phot o</w> → photo</w>, i t</w>, ' s</w>.
    // "photo" = p h o t o</w>: merge p h (rank 0) → ph o t o</w>; o t (1) → ph ot o</w>; ph ot (2) → phot o</w>;
    // phot o</w> (3) → photo</w>. "pot" = p o t</w>: no pair has a rank → p, o, t</w>.
    static readonly Dictionary<string, int> Vocab = new()
    {
        ["a</w>"] = 0, ["p"] = 1, ["h"] = 2, ["o"] = 3, ["t"] = 4, ["ph"] = 5, ["ot"] = 6, ["phot"] = 7, ["photo</w>"] = 8,
        ["t</w>"] = 9, ["f</w>"] = 10, ["!</w>"] = 11, ["o</w>"] = 12, ["Ä"] = 13, ["ģ</w>"] = 14, ["'s</w>"] = 15, ["i"] = 16,
        ["4</w>"] = 17, ["2</w>"] = 18, ["it</w>"] = 22, ["<|startoftext|>"] = 20, ["<|endoftext|>"] = 21,
    };
    static readonly string[] Merges = ["#version: 0.2", "p h", "o t", "ph ot", "phot o</w>", "i t</w>", "' s</w>"];

    static ClipTokenizer Make(TempFolder dir, int context)
    {
        File.WriteAllText(dir.File("vocab.json"), JsonSerializer.Serialize(Vocab));
        File.WriteAllLines(dir.File("merges.txt"), Merges);
        return ClipTokenizer.FromFiles(dir.File("vocab.json"), dir.File("merges.txt"), context);
    }

    [Fact]
    public void EncodesHandDerivedIds()
    {
        using var dir = TestPaths.NewTempFolder();
        var tok = Make(dir, 16);
        // Cleaned to "a photo of pot!": a | photo | of | pot | ! → a</w> | photo</w> | o f</w> | p o t</w> | !</w>.
        Assert.Equal(new[] { 0, 8, 3, 10, 1, 3, 9, 11 }, tok.Encode("  A  Photo\tof\n pot! "));
        // "it's" → "it" + "'s"; "it" = i t</w> merged by rank 4 into it</w>, "'s" = ' s</w> by rank 5. Digits split one by one.
        Assert.Equal(new[] { 22, 15, 17, 18 }, tok.Encode("It's 42"));
        // "ā" (U+0101) is UTF-8 C4 81: byte C4 is printable 'Ä', byte 81 is the 35th non-printable byte → U+0123 'ģ'.
        Assert.Equal(new[] { 13, 14 }, tok.Encode("Ā"));
    }

    [Fact]
    public void AddsBosEosPadsWithEosAndTruncatesKeepingEosLast()
    {
        using var dir = TestPaths.NewTempFolder();
        var tok = Make(dir, 12);
        Assert.Equal(new long[] { 20, 0, 8, 3, 10, 21, 21, 21, 21, 21, 21, 21 }, tok.Tokenize("a photo of"));
        var shortTok = Make(dir, 5);
        Assert.Equal(new long[] { 20, 0, 8, 3, 21 }, shortTok.Tokenize("a photo of pot"));
        var batch = tok.Tokenize(["a", "pot"]);
        Assert.Equal(new long[] { 2, 12 }, batch.shape);
        Assert.Equal(new long[] { 20, 1, 3, 9, 21 }, batch[1].data<long>().ToArray()[..5]);
        var padZero = new ClipTokenizer(Vocab, Merges.Skip(1).Select(m => (m.Split(' ')[0], m.Split(' ')[1])), 6) { PadId = 0 };
        Assert.Equal(new long[] { 20, 0, 21, 0, 0, 0 }, padZero.Tokenize("a"));
    }

    [Fact]
    public void SpecialTokensInTextMapToTheirIds()
    {
        using var dir = TestPaths.NewTempFolder();
        var tok = Make(dir, 8);
        Assert.Equal(new[] { 20, 0, 21 }, tok.Encode("<|startoftext|>a<|endoftext|>"));
    }

    [Fact]
    public void HtmlEntitiesAreDecodedAndWhitespaceCollapsed()
    {
        Assert.Equal("a & b \"c\"", ClipTokenizer.Clean("  A &amp;amp;   B\t&quot;C&quot; "));
    }

    [Fact]
    public void UnknownSymbolAndBadFilesAreClearErrors()
    {
        using var dir = TestPaths.NewTempFolder();
        var tok = Make(dir, 8);
        var e = Assert.Throws<ArborException>(() => tok.Encode("zebra"));
        Assert.Contains("not in the vocabulary", e.Message);
        File.WriteAllLines(dir.File("merges.txt"), ["#version: 0.2", "p h", "onlyone"]);
        e = Assert.Throws<ArborException>(() => ClipTokenizer.FromFiles(dir.File("vocab.json"), dir.File("merges.txt")));
        Assert.Contains("line 3", e.Message);
        Assert.Contains("merges.txt", e.Message);
        File.WriteAllText(dir.File("vocab.json"), "{\"a</w>\": 0}");
        File.WriteAllLines(dir.File("merges.txt"), ["#version: 0.2"]);
        e = Assert.Throws<ArborException>(() => ClipTokenizer.FromFiles(dir.File("vocab.json"), dir.File("merges.txt")));
        Assert.Contains("<|startoftext|>", e.Message);
        Directory.CreateDirectory(dir.File("empty"));
        e = Assert.Throws<ArborException>(() => ClipTokenizer.Load(dir.File("empty")));
        Assert.Contains("vocab.json, merges.txt", e.Message);
    }
}
