using Arbor.Cli;
using Arbor.Tests.Data;
using Arbor.Tests.HgclipTraining;
using Arbor.Training;
using SkiaSharp;

namespace Arbor.Tests.Precision;

/// <summary>
/// `--precision` through training and evaluation: a CLIP method trains with bf16 towers and records it, eval reopens the
/// run in either precision, and a method that trains its whole backbone refuses bf16 before any run folder exists.
/// </summary>
[Collection(ProcessWideStateCollection.Name)]   // torch's thread count is process-wide
public sealed class PrecisionTrainingTests : IDisposable
{
    readonly TempFolder _tmp = TestPaths.NewTempFolder();
    readonly string _clipDir;
    readonly string _data;

    public PrecisionTrainingTests()
    {
        _data = _tmp.File("data");
        var colours = new[] { SKColors.Red, SKColors.Green, SKColors.Blue, SKColors.Yellow };
        var leaves = new[] { ("animal", "cat"), ("animal", "dog"), ("vehicle", "car"), ("vehicle", "bus") };
        for (int l = 0; l < leaves.Length; l++)
            for (int i = 0; i < 6; i++)
                DataFixtures.WritePng(Path.Combine(_data, i < 4 ? "train" : "test", leaves[l].Item1, leaves[l].Item2, $"{i}.png"), 20, 20, colours[l]);
        _clipDir = ClipTinyFolder.Create(_tmp.File("clip"), DataFixtures.TwoByTwo());
    }

    public void Dispose() => _tmp.Dispose();

    static (int Code, string Out, string Err) Arbor(params string[] args) => CliHarness.Run(args);

    string[] Train(string method, string run, params string[] extra) =>
        new[] { "train", "-m", method, "-d", _data, "--epochs", "1", "--batch", "8", "--val-fraction", "0.25", "--threads", "2",
                "-o", _tmp.File(run) }.Concat(extra).ToArray();

    [Fact]
    public void ClipMethodTrainsInBf16AndEvalReopensItInEitherPrecision()
    {
        var (code, _, err) = Arbor(Train("ivlp", "run", "--clip", _clipDir, "--precision", "bf16"));
        Assert.True(code == 0, err);
        Assert.Contains("precision bf16", err);
        Assert.Equal("bf16", RunConfig.Read(_tmp.File("run/config.json")).Precision);

        var (code32, _, err32) = Arbor("eval", "--run", _tmp.File("run"), "--precision", "fp32");
        Assert.True(code32 == 0, err32);
        Assert.Contains("precision fp32", err32);
        var (code16, _, err16) = Arbor("eval", "--run", _tmp.File("run"));   // the run's own: bf16
        Assert.True(code16 == 0, err16);
        Assert.Contains("precision bf16", err16);

        // The library opens it the same ways.
        using (var own = HierarchicalClassifier.Open(_tmp.File("run")))
            Assert.Equal("bf16", own.Config.Precision);
        using (var fp32 = HierarchicalClassifier.Open(_tmp.File("run"), null, "fp32"))
            Assert.Equal("fp32", fp32.Config.Precision);
    }

    [Fact]
    public void MethodsThatTrainTheirBackboneRefuseBf16BeforeAnyRunFolder()
    {
        var (code, _, err) = Arbor(Train("ce", "ce", "--precision", "bf16"));
        Assert.Equal(2, code);
        Assert.Contains("applies to frozen CLIP towers", err);
        Assert.Contains("trains its whole backbone", err);
        Assert.False(Directory.Exists(_tmp.File("ce")));
    }
}
