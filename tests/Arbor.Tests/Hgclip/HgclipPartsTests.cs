using Arbor.Methods.Hgclip;

namespace Arbor.Tests.Hgclip;

public class HgclipPartsTests
{
    [Theory]
    [InlineData("all", HgclipParts.All)]
    [InlineData("none", HgclipParts.None)]
    [InlineData("text-prompt", HgclipParts.TextPrompt)]
    [InlineData("text-prompt,text-graph", HgclipParts.TextPrompt | HgclipParts.TextGraph)]
    [InlineData(" Visual-Graph , visual-prompt ", HgclipParts.VisualGraph | HgclipParts.VisualPrompt)]
    [InlineData("text-prompt,text-graph,visual-prompt,visual-graph", HgclipParts.All)]
    [InlineData("text-graph,text-graph", HgclipParts.TextGraph)]
    public void ParsesNamesAllAndNone(string text, HgclipParts expected) =>
        Assert.Equal(expected, HgclipPartsParser.Parse(text));

    [Theory]
    [InlineData("text-promt")]
    [InlineData("text-prompt,graph")]
    [InlineData("")]
    [InlineData("text-prompt,,visual-graph")]
    public void UnknownOrEmptyNamesListTheValidOnes(string text)
    {
        var ex = Assert.Throws<ArborException>(() => HgclipPartsParser.Parse(text));
        Assert.Contains("--parts", ex.Message);
        foreach (var name in new[] { "text-prompt", "text-graph", "visual-prompt", "visual-graph", "all", "none" })
            Assert.Contains(name, ex.Message);
    }

    [Fact]
    public void FormatRoundTrips()
    {
        for (int bits = 0; bits < 16; bits++)
        {
            var parts = (HgclipParts)bits;
            Assert.Equal(parts, HgclipPartsParser.Parse(HgclipPartsParser.Format(parts)));
        }
        Assert.Equal("text-prompt,visual-graph", HgclipPartsParser.Format(HgclipParts.TextPrompt | HgclipParts.VisualGraph));
    }
}
