using Arbor.Cli;
using Arbor.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Tests.Clip;

public class ClipEmbedCommandTests
{
    static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = ArborCli.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void EmbedMatchesReferenceOutputsOfTheFixture()
    {
        using var dir = TestPaths.NewTempFolder();
        var fixture = TestPaths.Fixture("clip-tiny");
        var inputs = TestPaths.Fixture("clip-tiny", "inputs.safetensors");
        var outPath = dir.File("out.safetensors");
        var (code, _, err) = Run("clip", "embed", "--clip", fixture, "--pixels", inputs, "--tokens", inputs, "--out", outPath);
        Assert.True(code == 0, err);
        using var scope = NewDisposeScope();
        using var actual = SafeTensors.Read(outPath);
        using var expected = SafeTensors.Read(TestPaths.Fixture("clip-tiny", "expected.safetensors"));
        Assert.Equal(3, actual.Count);
        foreach (var name in new[] { "image_embeds", "text_embeds", "logits_per_image" })
        {
            Assert.Equal("F32", actual.StoredDType(name));
            Assert.Equal(expected[name].shape, actual[name].shape);
            float diff = (actual[name] - expected[name]).abs().max().item<float>();
            float scale = Math.Max(1f, expected[name].abs().max().item<float>());
            Assert.True(diff <= 1e-5f * scale, $"{name}: max |diff| {diff}");
        }
    }

    [Fact]
    public void EitherInputAloneIsAllowed()
    {
        using var dir = TestPaths.NewTempFolder();
        var inputs = TestPaths.Fixture("clip-tiny", "inputs.safetensors");
        var (code, _, err) = Run("clip", "embed", "--clip", TestPaths.Fixture("clip-tiny"), "--tokens", inputs, "--out", dir.File("t.safetensors"));
        Assert.True(code == 0, err);
        using var text = SafeTensors.Read(dir.File("t.safetensors"));
        Assert.Equal(["text_embeds"], text.Keys);
        Assert.Equal(new long[] { 4, 32 }, text["text_embeds"].shape);
    }

    [Fact]
    public void WrongInputsAreUserErrors()
    {
        using var dir = TestPaths.NewTempFolder();
        var fixture = TestPaths.Fixture("clip-tiny");
        var inputs = TestPaths.Fixture("clip-tiny", "inputs.safetensors");
        var expected = TestPaths.Fixture("clip-tiny", "expected.safetensors");
        var (code, _, err) = Run("clip", "embed", "--clip", fixture, "--pixels", expected, "--out", dir.File("o.safetensors"));
        Assert.Equal(2, code);
        Assert.Contains("no tensor 'pixel_values'", err);
        Assert.Contains("expected.safetensors", err);
        (code, _, err) = Run("clip", "embed", "--clip", dir.Path, "--pixels", inputs, "--out", dir.File("o.safetensors"));
        Assert.Equal(2, code);
        Assert.Contains("config.json", err);
        Assert.False(File.Exists(dir.File("o.safetensors")));
    }
}
