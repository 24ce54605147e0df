using System.Text.Json.Nodes;
using Arbor.Cli;
using Arbor.Experiments;
using Arbor.Hierarchy;
using Arbor.IO;
using Arbor.Tests.Data;
using Arbor.Training;
using SkiaSharp;

namespace Arbor.Tests.HgclipTraining;

/// <summary>
/// `arbor train` for the CLIP methods: one command per row of the paper's ablation and per baseline (one epoch on a tiny
/// image-folder set, so they take a second or two each), and the bad inputs each give a clear error and no run folder.
/// </summary>
// Alone: the resume tests compare metrics byte for byte, and parallel classes change torch's process-wide thread count
// (set per run), which changes floating-point reduction order.
[Collection(ProcessWideStateCollection.Name)]
public sealed class HgclipCommandTests : IDisposable
{
    readonly TempFolder _tmp = TestPaths.NewTempFolder();
    readonly string _clipDir;
    readonly string _data;

    public HgclipCommandTests()
    {
        // animal/{cat, dog}, vehicle/{car, bus}: 6 training and 2 test images per leaf, each leaf its own colour.
        _data = _tmp.File("data");
        var colours = new[] { SKColors.Red, SKColors.Green, SKColors.Blue, SKColors.Yellow };
        var leaves = new[] { ("animal", "cat"), ("animal", "dog"), ("vehicle", "car"), ("vehicle", "bus") };
        for (int l = 0; l < leaves.Length; l++)
            for (int i = 0; i < 8; i++)
                DataFixtures.WritePng(Path.Combine(_data, i < 6 ? "train" : "test", leaves[l].Item1, leaves[l].Item2, $"{i}.png"), 20, 20,
                    colours[l], i % 2 == 0 ? SKColors.White : null);
        _clipDir = ClipTinyFolder.Create(_tmp.File("clip"), DataFixtures.TwoByTwo());
    }

    public void Dispose() => _tmp.Dispose();

    static (int Code, string Out, string Err) Arbor(params string[] args) => CliHarness.Run(args);

    string[] Train(string method, string run, params string[] extra) =>
        new[] { "train", "-m", method, "-d", _data, "--clip", _clipDir, "--epochs", "1", "--batch", "8", "--probe-epochs", "2",
                "--val-fraction", "0.25", "--threads", "2", "-o", _tmp.File(run) }.Concat(extra).ToArray();

    /// <summary>The top-level groups of the model checkpoint's keys (text_prompt.ctx → text_prompt; head.text_graph.* → head.text_graph).</summary>
    static string[] CheckpointGroups(string runDir)
    {
        using var content = SafeTensors.Read(Path.Combine(runDir, "model.safetensors"));
        return content.Keys.Where(k => k.StartsWith("model.", StringComparison.Ordinal)).Select(k => k["model.".Length..])
            .Select(k => k.StartsWith("head.") ? string.Join(".", k.Split('.').Take(2)) : k.Split('.')[0] + (k.EndsWith("deep_ctx") ? ".deep" : ""))
            .Distinct().OrderBy(k => k, StringComparer.Ordinal).ToArray();
    }

    [Theory]
    [InlineData("none", "")]
    [InlineData("text-prompt", "text_prompt,text_prompt.deep")]
    [InlineData("text-prompt,text-graph", "head.text_graph,text_prompt,text_prompt.deep")]
    [InlineData("text-prompt,visual-prompt", "text_prompt,text_prompt.deep,visual_prompt,visual_prompt.deep")]
    [InlineData("all", "head.image_graph,head.text_graph,prototypes,text_prompt,text_prompt.deep,visual_prompt,visual_prompt.deep")]
    public void EachAblationRowIsOneCommand(string parts, string groups)
    {
        var (code, _, err) = Arbor(Train("hgclip", "run", "--parts", parts));
        Assert.True(code == 0, err);
        var dir = _tmp.File("run");
        Assert.True(File.Exists(Path.Combine(dir, "metrics.json")));
        Assert.Equal(parts == "text-prompt,text-graph,visual-prompt,visual-graph" ? "all" : parts,
            RunConfig.Read(Path.Combine(dir, "config.json")).Parts);
        Assert.Equal(groups.Split(',', StringSplitOptions.RemoveEmptyEntries), CheckpointGroups(dir));
    }

    [Theory]
    [InlineData("coop", "text_prompt")]                                   // shallow: no deep context
    [InlineData("vpt", "visual_prompt,visual_prompt.deep")]
    [InlineData("ivlp", "text_prompt,text_prompt.deep,visual_prompt,visual_prompt.deep")]
    [InlineData("linear-probe", "head.heads")]
    [InlineData("kgcoop", "text_prompt")]
    [InlineData("cocoop", "meta_net,text_prompt")]
    [InlineData("maple", "coupling,text_prompt,text_prompt.deep")]
    [InlineData("promptsrc", "ensemble,ensemble.deep,text_prompt,text_prompt.deep,visual_prompt,visual_prompt.deep")]
    public void BaselinesTrainAndHoldOnlyTheirOwnState(string method, string groups)
    {
        var (code, _, err) = Arbor(Train(method, "run"));
        Assert.True(code == 0, err);
        Assert.Equal(groups.Split(','), CheckpointGroups(_tmp.File("run")));
        var config = RunConfig.Read(_tmp.File("run/config.json"));
        Assert.Null(config.Parts);
        Assert.Equal("clip:clip", config.Backbone);
    }

    [Fact]
    public void AClipFolderMissingItsWeightsIsRefusedBeforeAnyRunFolderExists()
    {
        var partial = _tmp.File("partial");
        Directory.CreateDirectory(partial);
        foreach (var f in new[] { "config.json", "vocab.json", "merges.txt" }) File.Copy(Path.Combine(_clipDir, f), Path.Combine(partial, f));
        var (code, _, err) = Arbor(Train("hgclip", "run").Select(a => a == _clipDir ? partial : a).ToArray());
        Assert.Equal(2, code);
        Assert.Contains("model.safetensors", err);
        Assert.Contains(partial, err);
        Assert.False(Directory.Exists(_tmp.File("run")));

        var noTokenizer = _tmp.File("no-tokenizer");
        Directory.CreateDirectory(noTokenizer);
        foreach (var f in new[] { "config.json", "model.safetensors" }) File.Copy(Path.Combine(_clipDir, f), Path.Combine(noTokenizer, f));
        (code, _, err) = Arbor(Train("hgclip", "run").Select(a => a == _clipDir ? noTokenizer : a).ToArray());
        Assert.Equal(2, code);
        Assert.Contains("vocab.json, merges.txt", err);
        Assert.False(Directory.Exists(_tmp.File("run")));
    }

    [Fact]
    public void AFolderOfAnotherModelTypeIsRefused()
    {
        var bert = _tmp.File("bert");
        Directory.CreateDirectory(bert);
        foreach (var f in Directory.GetFiles(_clipDir)) File.Copy(f, Path.Combine(bert, Path.GetFileName(f)));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(bert, "config.json")))!.AsObject();
        config["model_type"] = "bert";
        File.WriteAllText(Path.Combine(bert, "config.json"), config.ToJsonString());
        var (code, _, err) = Arbor(Train("hgclip", "run").Select(a => a == _clipDir ? bert : a).ToArray());
        Assert.Equal(2, code);
        Assert.Contains("'bert'", err);
        Assert.Contains("config.json", err);
        Assert.False(Directory.Exists(_tmp.File("run")));
    }

    [Fact]
    public void UnknownPartsListTheValidNamesAndPartsBelongToHgclipOnly()
    {
        var (code, _, err) = Arbor(Train("hgclip", "run", "--parts", "text-prompt,text-grpah"));
        Assert.Equal(2, code);
        Assert.Contains("text-grpah", err);
        foreach (var name in new[] { "text-prompt", "text-graph", "visual-prompt", "visual-graph", "all", "none" }) Assert.Contains(name, err);
        (code, _, err) = Arbor(Train("coop", "run", "--parts", "text-prompt"));
        Assert.Equal(2, code);
        Assert.Contains("hgclip only", err);
        (code, _, err) = Arbor("train", "-m", "ivlp", "-d", _data, "-o", _tmp.File("run"));
        Assert.Equal(2, code);
        Assert.Contains("--clip", err);
        Assert.False(Directory.Exists(_tmp.File("run")));
    }

    [Fact]
    public void AClassWithoutTrainingImagesIsNamed()
    {
        // The first 3 training images of Fashion-MNIST cover 3 of its 10 classes; the prototypes need every class.
        var clip = ClipTinyFolder.Create(_tmp.File("clip-fashion"), BuiltInHierarchies.FashionMnist());
        var (code, _, err) = Arbor("train", "-m", "hgclip", "-d", "fashion-mnist-embedded", "--clip", clip, "--train-limit", "3",
            "-o", _tmp.File("run"));
        Assert.Equal(2, code);
        Assert.Contains("no training images", err);
        var hierarchy = BuiltInHierarchies.FashionMnist();
        Assert.Contains(hierarchy.NodesAt(3).Select(n => $"'{n.Name}'"), name => err.Contains(name));
        Assert.False(Directory.Exists(_tmp.File("run")));
        // Without the visual graph no prototypes are needed, so the same data is accepted.
        (code, _, err) = Arbor("train", "-m", "hgclip", "-d", "fashion-mnist-embedded", "--clip", clip, "--train-limit", "3",
            "--parts", "text-prompt", "--epochs", "1", "--batch", "3", "-o", _tmp.File("run2"));
        Assert.True(code == 0, err);
    }

    [Theory]
    [InlineData("arbor")]
    [InlineData("reference")]   // plateau schedule (its state in the checkpoint), reference normalisation
    public void AResumedHgclipRunEndsWithTheSameMetricsAsAnUninterruptedOne(string recipe)
    {
        // Prompts, graph encoders, prototypes and optimiser state come back from the checkpoint; CLIP from its folder.
        var config = new RunConfig
        {
            Method = "hgclip", Dataset = _data, ClipPath = _clipDir, Epochs = 2, BatchSize = 8, ValidationFraction = 0.25,
            LearningRate = 1e-3, Seed = 3, Threads = 2, Recipe = recipe,
        };
        var straight = TrainRun.Run(config, _tmp.File("straight"), new TrainRun.Options());
        using var cancel = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => TrainRun.Run(config, _tmp.File("interrupted"), new TrainRun.Options
        {
            Cancellation = cancel.Token, AfterEpoch = epoch => { if (epoch == 1) cancel.Cancel(); },
        }));
        var resumed = TrainRun.Run(config, _tmp.File("interrupted"), new TrainRun.Options { Resume = true });
        Assert.Equal(straight.ToJson(), resumed.ToJson());
    }
}
