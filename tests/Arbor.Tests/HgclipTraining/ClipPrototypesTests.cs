using Arbor.Data;
using Arbor.Experiments;
using Arbor.Experiments.VisionLanguage;
using Arbor.Hierarchy;
using Arbor.Methods.Hgclip;
using Arbor.Models.Clip;
using Arbor.Training;
using static TorchSharp.torch;

namespace Arbor.Tests.HgclipTraining;

/// <summary>Run prototypes: computed from frozen CLIP features of the training split, cached, recomputed on any change.</summary>
public sealed class ClipPrototypesTests : IDisposable
{
    readonly TempFolder _tmp = TestPaths.NewTempFolder();
    readonly ClassHierarchy _hierarchy = BuiltInHierarchies.FashionMnist();

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void PrototypesAreComputedOnceAndRecomputedWhenCheckpointOrDataChange()
    {
        using var scope = NewDisposeScope();
        var clipDir = ClipTinyFolder.Create(_tmp.File("clip"), _hierarchy);
        var cacheDir = _tmp.File("cache");
        var config = new RunConfig
        {
            Method = "hgclip", Dataset = "fashion-mnist-embedded", ClipPath = clipDir, ImageSize = 32, Channels = 3, Normalization = "clip",
        };
        var pool = FashionMnist.OpenEmbedded(new DatasetOptions()).Train;
        var train = pool.Subset(Enumerable.Range(0, 200).ToArray(), "first 200");
        using var clip = ClipModel.Load(clipDir);
        var log = new StringWriter();
        var progress = new ProgressReporter(log, interactive: false);

        var first = ClipPrototypes.Get(config, clip, train, _hierarchy, progress, cacheDir);
        Assert.Contains("frozen CLIP features of 200 training images", log.ToString());
        Assert.Single(Directory.GetFiles(cacheDir));
        // The same as the bank computed from un-prompted features of exactly those images.
        using (var set = FeatureSet.Extract(new BatchLoader(train, TrainRun.EvaluationLoaderOptions(config, 64)), x => clip.EncodeImage(x)))
        {
            var expected = PrototypeBank.Compute(_hierarchy, set.Features, set.Leaves);
            Assert.True((expected - first).abs().max().item<float>() < 1e-5);
        }

        log.GetStringBuilder().Clear();
        var second = ClipPrototypes.Get(config, clip, train, _hierarchy, progress, cacheDir);
        Assert.Contains("loaded from the cache", log.ToString());
        Assert.Equal(0, (second - first).abs().max().item<float>());

        // Another training split (a different limit) → another key.
        var fewer = pool.Subset(Enumerable.Range(0, 150).ToArray(), "first 150");
        ClipPrototypes.Get(config with { TrainLimit = 150 }, clip, fewer, _hierarchy, progress, cacheDir);
        Assert.Equal(2, Directory.GetFiles(cacheDir).Length);

        // The checkpoint file replaced (here: its modification time changes) → another key, recomputed.
        var weights = Path.Combine(clipDir, "model.safetensors");
        File.SetLastWriteTimeUtc(weights, File.GetLastWriteTimeUtc(weights).AddMinutes(1));
        log.GetStringBuilder().Clear();
        ClipPrototypes.Get(config, clip, train, _hierarchy, progress, cacheDir);
        Assert.Contains("frozen CLIP features", log.ToString());
        Assert.Equal(3, Directory.GetFiles(cacheDir).Length);

        // Another hierarchy identity (a renamed class) → another key.
        var renamed = ClassHierarchy.FromLeafPaths("fashion-mnist", _hierarchy.LevelNames,
            Enumerable.Range(0, _hierarchy.LeafCount).Select(l => _hierarchy.PathOf(l).Select((id, i) => _hierarchy.Node(i + 1, id).Name)
                .Select(n => n == "Bag" ? "Handbag" : n).ToArray()).ToArray());
        Assert.NotEqual(ClipPrototypes.Key(config, train, _hierarchy), ClipPrototypes.Key(config, train, renamed));
    }
}
