using Arbor.Experiments;
using Arbor.Hierarchy;
using Arbor.Methods.CrossEntropy;
using Arbor.Methods.Hgclip;
using Arbor.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Arbor.Tests.Experiments;

/// <summary>
/// The trainer of heads over cached features (linear probes, and the dual-encoder methods on frozen tower encodings):
/// the method's own loss and the plateau schedule reach it, as they reach the end-to-end trainer.
/// </summary>
public sealed class FeatureHeadTrainingTests
{
    static readonly ClassHierarchy Fashion = BuiltInHierarchies.FashionMnist();

    static FeatureSet RandomSet(int count, int seed)
    {
        var generator = new Generator((ulong)seed);
        return FeatureSet.Of(randn(count, 8, generator: generator), randint(Fashion.LeafCount, count, generator: generator, dtype: ScalarType.Int64));
    }

    static Dictionary<string, Tensor> Snapshot(nn.Module module) =>
        module.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());

    [Fact]
    public void TheGivenLossIsTheOneOptimised()
    {
        using var train = RandomSet(64, 1);
        using var validation = RandomSet(32, 2);
        using var head = new LevelHeads(Fashion, 8);
        var before = Snapshot(head);
        int calls = 0;
        // A loss with no gradient path to the weights: if the trainer used its own cross-entropy instead, they would move.
        var options = new LinearProbeTrainer.Options(Epochs: 3, BatchSize: 16, WeightDecay: 0)
        {
            Loss = (logits, leaves) => { calls++; return logits[0].sum() * 0; },
        };
        LinearProbeTrainer.Fit(head, Fashion, train, validation, options, new ProgressReporter(TextWriter.Null, false));
        Assert.Equal(3 * 4, calls);
        foreach (var (name, t) in head.state_dict()) Assert.True(t.allclose(before[name], 0, 0), $"{name} changed under a zero loss");
    }

    [Fact]
    public void TheHgclipLossWeighsTheFinestLevelTwice()
    {
        using var train = RandomSet(64, 3);
        using var validation = RandomSet(32, 4);
        var loss = new HgclipLoss(Fashion);
        double seen = double.NaN, expected = double.NaN;
        using var head = new LevelHeads(Fashion, 8);
        var options = new LinearProbeTrainer.Options(Epochs: 1, BatchSize: 64)
        {
            Loss = (logits, leaves) =>
            {
                var value = loss.Compute(logits, leaves);
                var maps = Fashion.LevelOfLeaf();
                double sum = 0;
                for (int l = 0; l < logits.Length; l++)
                {
                    using var target = tensor(maps[l].Select(v => (long)v).ToArray()).index_select(0, leaves);
                    sum += nn.functional.cross_entropy(logits[l], target).item<float>() * (l == logits.Length - 1 ? 2 : 1);
                }
                (seen, expected) = (value.item<float>(), sum / logits.Length);
                return value;
            },
        };
        LinearProbeTrainer.Fit(head, Fashion, train, validation, options, new ProgressReporter(TextWriter.Null, false));
        Assert.Equal(expected, seen, 5);
    }

    [Fact]
    public void ThePlateauScheduleCutsTheRateAfterFiveEpochsWithoutImprovement()
    {
        using var train = RandomSet(32, 5);
        using var validation = RandomSet(32, 6);
        using var head = new LevelHeads(Fashion, 8);
        // Plain SGD at a rate too small to move the validation score: epoch 1 sets the best, epochs 2–7 are six bad
        // epochs > patience 5, so the rate drops once, to a tenth (above the 1e-7 floor).
        var options = new LinearProbeTrainer.Options(Epochs: 8, BatchSize: 32, LearningRate: 1e-5, WeightDecay: 0, Optimizer: "sgd", Momentum: 0)
        {
            Schedule = ScheduleKind.Plateau,
            Phase = "hgclip",
        };
        var output = new StringWriter();
        LinearProbeTrainer.Fit(head, Fashion, train, validation, options, new ProgressReporter(output, false, Verbosity.Verbose));
        var text = output.ToString();
        Assert.Contains("hgclip", text);
        Assert.Contains("epoch 7, no better validation score for 6 epochs: learning rate now 1E-06", text);
        Assert.Single(text.Split('\n'), line => line.Contains("learning rate now"));
    }

    [Fact]
    public void TheCosineScheduleNeverCutsOnPlateau()
    {
        using var train = RandomSet(32, 5);
        using var validation = RandomSet(32, 6);
        using var head = new LevelHeads(Fashion, 8);
        var output = new StringWriter();
        LinearProbeTrainer.Fit(head, Fashion, train, validation, new LinearProbeTrainer.Options(Epochs: 8, BatchSize: 32, LearningRate: 1e-5, WeightDecay: 0, Optimizer: "sgd", Momentum: 0),
            new ProgressReporter(output, false, Verbosity.Verbose));
        Assert.DoesNotContain("learning rate now", output.ToString());
    }
}
