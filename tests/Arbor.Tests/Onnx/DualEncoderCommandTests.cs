using Arbor.Cli;
using Arbor.Experiments;
using Arbor.IO;
using Arbor.Tests.Data;
using Arbor.Training;
using SkiaSharp;

namespace Arbor.Tests.Onnx;

/// <summary>
/// `arbor train` on the pretrained towers: HGCLIP rows, CoOp, nearest-text and the linear probe on
/// <c>--image-encoder resnet18-imagenet --text-encoder minilm</c>, and <c>ce --backbone resnet18-imagenet</c>; one epoch on a
/// tiny image-folder set at 64 px. Bad combinations fail before any run folder exists.
/// </summary>
public sealed class DualEncoderCommandTests : IDisposable
{
    readonly TempFolder _tmp = TestPaths.NewTempFolder();
    readonly string _data;

    public DualEncoderCommandTests()
    {
        _data = _tmp.File("data");
        var colours = new[] { SKColors.Red, SKColors.Green, SKColors.Blue, SKColors.Yellow };
        var leaves = new[] { ("animal", "cat"), ("animal", "dog"), ("vehicle", "car"), ("vehicle", "bus") };
        for (int l = 0; l < leaves.Length; l++)
            for (int i = 0; i < 5; i++)
                DataFixtures.WritePng(Path.Combine(_data, i < 4 ? "train" : "test", leaves[l].Item1, leaves[l].Item2, $"{i}.png"), 20, 20,
                    colours[l], i % 2 == 0 ? SKColors.White : null);
    }

    public void Dispose() => _tmp.Dispose();

    (int Code, string Out, string Err) Arbor(params string[] args)
    {
        // Encodings are cached under ARBOR_DATA: keep them in the test's folder.
        var previous = Environment.GetEnvironmentVariable("ARBOR_DATA");
        Environment.SetEnvironmentVariable("ARBOR_DATA", _tmp.File("cache"));
        try { return CliHarness.Run(args); }
        finally { Environment.SetEnvironmentVariable("ARBOR_DATA", previous); }
    }

    string[] Train(string method, string run, params string[] extra) =>
        new[] { "train", "-m", method, "-d", _data, "--epochs", "1", "--batch", "4", "--probe-epochs", "2", "--image-size", "64",
                "--val-fraction", "0.25", "--threads", "2", "-o", _tmp.File(run) }.Concat(extra).ToArray();

    static readonly string[] Towers = ["--image-encoder", "resnet18-imagenet", "--text-encoder", "minilm"];

    static string[] CheckpointKeys(string runDir)
    {
        using var content = SafeTensors.Read(Path.Combine(runDir, "model.safetensors"));
        return content.Keys.Where(k => k.StartsWith("model.", StringComparison.Ordinal)).Select(k => k["model.".Length..]).ToArray();
    }

    [Fact]
    public void Hgclip_on_the_towers_trains_projections_prompt_and_graphs_and_reuses_cached_encodings()
    {
        var (code, output, error) = Arbor(Train("hgclip", "hg", Towers));
        Assert.True(code == 0, error + output);
        var config = RunConfig.Read(Path.Combine(_tmp.File("hg"), "config.json"));
        Assert.Equal("resnet18-imagenet+minilm", config.Backbone);
        Assert.Equal("text-prompt,text-graph,visual-graph", config.Parts);
        var keys = CheckpointKeys(_tmp.File("hg"));
        Assert.Contains("image_projection.weight", keys);
        Assert.Contains("text_ctx", keys);
        Assert.Contains("prototypes", keys);
        Assert.Contains(keys, k => k.StartsWith("head.text_graph.", StringComparison.Ordinal));
        Assert.DoesNotContain(keys, k => k.Contains("resnet") || k.Contains("bert"));     // frozen towers reload from their packages
        Assert.True(Directory.GetFiles(_tmp.File("cache"), "*.bin", SearchOption.AllDirectories).Length > 0);

        // eval reloads the towers and reproduces the run's test metrics.
        var (evalCode, evalOut, evalErr) = Arbor("eval", "--run", _tmp.File("hg"), "--json");
        Assert.True(evalCode == 0, evalErr + evalOut);
        var trained = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(_tmp.File("hg"), "metrics.json")))!;
        var evaluated = System.Text.Json.Nodes.JsonNode.Parse(evalOut)!;
        Assert.Equal(trained["full_path"]!.GetValue<double>(), evaluated["full_path"]!.GetValue<double>(), 6);
    }

    [Fact]
    public void Finetune_image_trains_the_image_tower_and_keeps_it_in_the_checkpoint()
    {
        var (code, output, error) = Arbor(Train("hgclip", "ft", [.. Towers, "--finetune-image", "--lr", "0.05"]));
        Assert.True(code == 0, error + output);
        Assert.True(RunConfig.Read(Path.Combine(_tmp.File("ft"), "config.json")).FineTuneImage);
        // The tower's weights are the run's now: saved with it, and moved away from the package's.
        using var content = SafeTensors.Read(Path.Combine(_tmp.File("ft"), "model.safetensors"));
        var towerKeys = content.Keys.Where(k => k.StartsWith("model.image_tower.", StringComparison.Ordinal)).ToArray();
        Assert.NotEmpty(towerKeys);
        using var pretrained = Models.Encoders.EncoderRegistry.CreateImage("resnet18-imagenet");
        var original = pretrained.Module.state_dict();
        int moved = 0;
        foreach (var key in towerKeys)
        {
            var name = key["model.image_tower.".Length..];
            Assert.True(original.ContainsKey(name), $"checkpoint key {key} is not a tower parameter");
            if (original[name].is_floating_point() && !original[name].allclose(content[key], 0, 0)) moved++;
        }
        Assert.True(moved > 0, "no image-tower weight changed: the tower did not train");

        // eval rebuilds the fine-tuned tower from the run (not from the package) and reproduces the test metrics.
        var (evalCode, evalOut, evalErr) = Arbor("eval", "--run", _tmp.File("ft"), "--json");
        Assert.True(evalCode == 0, evalErr + evalOut);
        var trained = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(_tmp.File("ft"), "metrics.json")))!;
        Assert.Equal(trained["full_path"]!.GetValue<double>(), System.Text.Json.Nodes.JsonNode.Parse(evalOut)!["full_path"]!.GetValue<double>(), 6);

        // The linear probe's tower is frozen by definition.
        var (probeCode, _, probeError) = Arbor(Train("linear-probe", "ft-probe", "--image-encoder", "resnet18-imagenet", "--finetune-image"));
        Assert.Equal(2, probeCode);
        Assert.Contains("--finetune-image does not apply to the linear probe", probeError);
    }

    [Theory]
    [InlineData("hgclip", "none", "logit_scale")]
    [InlineData("linear-probe", null, "head.")]
    public void Baselines_run_on_the_towers(string method, string? parts, string expectedKey)
    {
        var args = Train(method, method + parts, method == "linear-probe" ? ["--image-encoder", "resnet18-imagenet"] : Towers).ToList();
        if (parts is not null) args.AddRange(["--parts", parts]);
        var (code, output, error) = Arbor(args.ToArray());
        Assert.True(code == 0, error + output);
        Assert.Contains(CheckpointKeys(_tmp.File(method + parts)), k => k.StartsWith(expectedKey, StringComparison.Ordinal));
    }

    [Fact]
    public void Ce_fine_tunes_the_pretrained_backbone()
    {
        var (code, output, error) = Arbor(Train("ce", "ce", "--backbone", "resnet18-imagenet"));
        Assert.True(code == 0, error + output);
        var keys = CheckpointKeys(_tmp.File("ce"));
        Assert.Contains(keys, k => k.StartsWith("backbone.tower.resnet.", StringComparison.Ordinal));
        var config = RunConfig.Read(Path.Combine(_tmp.File("ce"), "config.json"));
        Assert.Equal((3, 64, "none"), (config.Channels, config.ImageSize, config.Normalization));
        // Fine-tuning rate: a tenth of ce's from-scratch default unless --lr is given.
        Assert.Equal(0.01, config.LearningRate!.Value, 12);
        Assert.Equal(0.1, TrainRun.Resolve(new RunConfig { Method = "ce", Backbone = "resnet18" }).LearningRate!.Value, 12);
        Assert.Equal(0.05, TrainRun.Resolve(new RunConfig { Method = "ce", Backbone = "resnet18-imagenet", LearningRate = 0.05 }).LearningRate!.Value, 12);
    }

    [Theory]
    [InlineData("vpt", "CNN")]
    [InlineData("hgclip", "visual prompt", "--parts", "all")]
    [InlineData("coop", "needs a text tower", "--text-encoder", "")]
    [InlineData("hgclip", "unknown image encoder 'resnet99'", "--image-encoder", "resnet99")]
    [InlineData("hgclip", "--image-size 100", "--image-size", "100")]
    public void Bad_combinations_fail_before_a_run_folder_exists(string method, string message, params string[] extra)
    {
        var args = Train(method, "bad", Towers).ToList();
        for (int i = 0; i < extra.Length; i += 2)
        {
            int at = args.IndexOf(extra[i]);
            if (at >= 0) args.RemoveRange(at, 2);
            if (extra[i + 1].Length > 0) args.AddRange([extra[i], extra[i + 1]]);
        }
        var (code, _, error) = Arbor(args.ToArray());
        Assert.NotEqual(0, code);
        Assert.Contains(message, error);
        Assert.False(Directory.Exists(_tmp.File("bad")));
    }
}
