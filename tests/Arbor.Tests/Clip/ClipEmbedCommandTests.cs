using Arbor.Cli;
using Arbor.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Tests.Clip;

public class ClipEmbedCommandTests
{
    static (int Code, string Out, string Err) Run(params string[] args) => CliHarness.Run(args);

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
    public void SimilarityTablePrintsOneSoftmaxRowPerImage()
    {
        using var dir = TestPaths.NewTempFolder();
        var model = dir.File("clip");
        Directory.CreateDirectory(model);
        foreach (var f in new[] { "config.json", "model.safetensors" })
            File.Copy(TestPaths.Fixture("clip-tiny", f), Path.Combine(model, f));
        var vocab = new Dictionary<string, int>();
        foreach (var c in "abcdefghijklmnopqrstuvwxyz") { vocab[c.ToString()] = vocab.Count; vocab[c + "</w>"] = vocab.Count; }
        vocab["<|startoftext|>"] = 298;
        vocab["<|endoftext|>"] = 299;
        File.WriteAllText(Path.Combine(model, "vocab.json"), System.Text.Json.JsonSerializer.Serialize(vocab));
        File.WriteAllText(Path.Combine(model, "merges.txt"), "#version: 0.2\n");
        foreach (var (name, color) in new[] { ("red.png", new SkiaSharp.SKColor(220, 30, 30)), ("blue.png", new SkiaSharp.SKColor(20, 40, 200)) })
        {
            using var bitmap = new SkiaSharp.SKBitmap(48, 40);
            bitmap.Erase(color);
            using var png = bitmap.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
            File.WriteAllBytes(dir.File(name), png.ToArray());
        }
        var (code, output, err) = Run("clip", "embed", "--clip", model, "--images", dir.File("red.png"), dir.File("blue.png"),
            "--texts", "a cat", "a dog", "a bird");
        Assert.True(code == 0, err);
        var lines = output.Trim().Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.Contains("a bird", lines[0]);
        foreach (var (line, name) in lines.Skip(1).Zip(new[] { "red.png", "blue.png" }))
        {
            Assert.StartsWith(name, line);
            var probs = line[name.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(double.Parse).ToArray();
            Assert.Equal(3, probs.Length);
            Assert.Equal(1.0, probs.Sum(), 3);
        }
        // --json carries the same probabilities, per image and text.
        var (jsonCode, json, jsonErr) = Run("clip", "embed", "--clip", model, "--images", dir.File("red.png"), dir.File("blue.png"),
            "--texts", "a cat", "a dog", "a bird", "--json");
        Assert.True(jsonCode == 0, jsonErr);
        var rows = System.Text.Json.JsonDocument.Parse(json).RootElement;
        Assert.Equal(2, rows.GetArrayLength());
        var firstRow = lines[1]["red.png".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(double.Parse).ToArray();
        var firstJson = rows[0].GetProperty("probabilities").EnumerateArray().ToArray();
        Assert.Equal(new[] { "a cat", "a dog", "a bird" }, firstJson.Select(p => p.GetProperty("text").GetString()));
        for (int j = 0; j < 3; j++) Assert.Equal(firstRow[j], firstJson[j].GetProperty("probability").GetDouble(), 3);
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
