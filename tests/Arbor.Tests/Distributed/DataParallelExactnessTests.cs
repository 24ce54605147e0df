using Arbor.Data;
using Arbor.Distributed;
using Arbor.Experiments;
using Arbor.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Arbor.Tests.Distributed;

/// <summary>
/// The whole data-parallel training path — <see cref="Trainer"/> with its seeded, augmented global batches, each rank's
/// contiguous shard (read and augmented by that rank alone), synchronised BatchNorm and the bucketed gradient average —
/// on 2 in-process ranks against one process, in float64. In float64 the rounding differences of the other summation
/// order stay near 1e-13 over many steps, so any real difference (a rank seeing other samples or other augmentations,
/// per-rank BatchNorm statistics, a wrong gradient scale, an RNG stream drawn per shard) would stand out by orders of
/// magnitude. In float32, runs that differ only in summation order (K ranks, or one process with another thread count)
/// part after a few steps: docs/distributed.md.
/// </summary>
[Collection(ProcessWideStateCollection.Name)]
public class DataParallelExactnessTests(Xunit.Abstractions.ITestOutputHelper output)
{
    const int Images = 24, Side = 8, Batch = 8, Epochs = 2;

    /// <summary>Random pixels, leaves i % 4 of the 2 × 2 test hierarchy: 24 images, 3 batches of 8 per epoch.</summary>
    static InMemoryImageDataset Data()
    {
        var pixels = new byte[Images * Side * Side];
        new Random(3).NextBytes(pixels);
        return new InMemoryImageDataset("noise", Arbor.Tests.Data.DataFixtures.TwoByTwo(), pixels, 1, Side, Side,
            Enumerable.Range(0, Images).Select(i => i % 4).ToArray(), "noise", Normalization.None);
    }

    /// <summary>A fresh float64 model of <paramref name="method"/> with <paramref name="start"/>'s weights (ranks are
    /// threads sharing torch's global generator, so each copies one model instead of drawing its own).</summary>
    static ImageMethodModel Copy(ImageMethodModel start)
    {
        var model = new ImageMethodModel(start.Method, start.Hierarchy, "resnet20", 1, 0.1);
        using (no_grad())
            foreach (var (name, t) in start.state_dict()) model.state_dict()[name].copy_(t);
        model.to(ScalarType.Float64);
        return model;
    }

    /// <summary>Epoch losses and every weight and buffer after training on <paramref name="group"/>: cross-entropy on one
    /// augmented view, or a contrastive method on two (its loss over the all-gathered global batch); and the dataset
    /// indices the rank read.</summary>
    static (double[] Losses, double[] State, int[] Reads) Train(IProcessGroup group, ImageMethodModel start)
    {
        using var model = Copy(start);
        bool contrastive = model.Projection is not null;
        var data = new Arbor.Tests.Data.RecordingDataset(Data());
        var loader = new BatchLoader(data, new BatchLoaderOptions
        {
            BatchSize = Batch, Seed = 7, DropLast = true, Prefetch = 0, Views = contrastive ? 2 : 1,
            Transform = BatchAugmentation.PadCropFlip(2),
        });
        var trainer = new Trainer(new TrainerOptions
        {
            Epochs = Epochs, Optimizer = "sgd", LearningRate = 0.05, WarmupEpochs = 0.5, Seed = 7, Group = group,
        }, ProgressReporter.Silent);
        ITrainingTask task = contrastive ? new ContrastiveTask(model) : new SupervisedTask(model);
        data.Clear();
        var outcome = trainer.Fit(task, loader);
        using var scope = NewDisposeScope();
        var state = cat(model.state_dict().Values.Select(t => t.to(ScalarType.Float64).flatten()).ToArray()).data<double>().ToArray();
        return (outcome.History.Select(r => r.Loss).ToArray(), state, data.Reads);
    }

    [Theory]
    [InlineData("ce")]
    [InlineData("supcon")]
    [InlineData("hmlc")]
    public void TwoRanksTrainAsOneProcessInFloat64(string method)
    {
        using var start = new ImageMethodModel(method, Arbor.Tests.Data.DataFixtures.TwoByTwo(), "resnet20", 1, 0.1);
        var single = Train(SingleProcessGroup.Instance, start);
        var ranks = ThreadedProcessGroup.Run(2, g => Train(g, start));
        Assert.Equal(Epochs, single.Losses.Length);
        // One process reads every image once per epoch; each rank reads only its half of every batch, the two halves
        // together every image once per epoch.
        Assert.Equal(Epochs * Images, single.Reads.Length);
        Assert.All(ranks, r => Assert.Equal(Epochs * Images / 2, r.Reads.Length));
        Assert.Equal(single.Reads.Order(), ranks.SelectMany(r => r.Reads).Order());
        foreach (var (losses, state, _) in ranks)
        {
            for (int e = 0; e < Epochs; e++)
                Assert.True(Math.Abs(losses[e] - single.Losses[e]) < 1e-10,
                    $"epoch {e + 1}: loss {single.Losses[e]:R} in one process, {losses[e]:R} on two ranks");
            double scale = single.State.Max(Math.Abs);
            double worst = single.State.Zip(state, (a, b) => Math.Abs(a - b)).Max();
            output.WriteLine($"{method}: epoch losses {string.Join(", ", single.Losses.Select(l => l.ToString("F6")))}; largest loss difference " +
                             $"{single.Losses.Zip(losses, (a, b) => Math.Abs(a - b)).Max():E1}, largest weight difference {worst:E1} (weights up to {scale:G3})");
            Assert.True(worst < 1e-10 * scale, $"weights and BatchNorm statistics differ by up to {worst:G3} (values up to {scale:G3})");
        }
        Assert.Equal(ranks[0].State, ranks[1].State);   // both ranks hold the same model, bit for bit
    }
}
