using Arbor.Training;
using Arbor.Training.Optimizers;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Tests.Training;

/// <summary>Arbor's optimisers follow torch.optim's update rules: checked against TorchSharp's own implementations.</summary>
/// <remarks>Runs alone: trajectories are compared bit for bit, and training tests beside it reseed torch's global generator.</remarks>
[Collection(ProcessWideStateCollection.Name)]
public class OptimizerTests
{
    static (nn.Module<Tensor, Tensor> a, nn.Module<Tensor, Tensor> b) TwinModels()
    {
        manual_seed(3);
        var a = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2));
        var b = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2));
        b.load_state_dict(a.state_dict());
        return (a, b);
    }

    static void Train(nn.Module<Tensor, Tensor> model, Action zero, Action step, Action<int> setLr)
    {
        manual_seed(11);
        var x = randn(16, 4);
        var y = randn(16, 2);
        for (int i = 0; i < 6; i++)
        {
            using var scope = NewDisposeScope();
            setLr(i);
            zero();
            nn.functional.mse_loss(model.forward(x), y).backward();
            step();
        }
    }

    static void AssertSameParameters(nn.Module a, nn.Module b)
    {
        foreach (var ((name, pa), (_, pb)) in a.named_parameters().Zip(b.named_parameters()))
            Assert.True(allclose(pa, pb, rtol: 1e-5, atol: 1e-6), $"parameter {name} differs");
    }

    [Fact]
    public void SgdWithMomentumAndWeightDecayMatchesTorch()
    {
        var (a, b) = TwinModels();
        var ours = new SgdOptimizer(a.parameters(), 0.1, momentum: 0.9, weightDecay: 1e-2);
        var theirs = optim.SGD(b.parameters(), 0.1, momentum: 0.9, weight_decay: 1e-2);
        var schedule = new LearningRateSchedule(0.1, 6, warmupSteps: 2);
        Train(a, ours.ZeroGrad, ours.Step, i => ours.LearningRate = schedule.RateAt(i));
        Train(b, theirs.zero_grad, () => theirs.step(), i => { foreach (var g in theirs.ParamGroups) g.LearningRate = schedule.RateAt(i); });
        AssertSameParameters(a, b);
    }

    [Fact]
    public void AdamWMatchesTorch()
    {
        var (a, b) = TwinModels();
        var ours = new AdamWOptimizer(a.parameters(), 0.01, weightDecay: 0.05);
        var theirs = optim.AdamW(b.parameters(), 0.01, weight_decay: 0.05);
        Train(a, ours.ZeroGrad, ours.Step, _ => { });
        Train(b, theirs.zero_grad, () => theirs.step(), _ => { });
        AssertSameParameters(a, b);
    }

    [Fact]
    public void SavedStateRestoresTheSameTrajectory()
    {
        // Train 3 steps, save the state, train 3 more; a fresh optimiser loaded with the saved state must end identically.
        var (a, b) = TwinModels();
        var first = new SgdOptimizer(a.parameters(), 0.05, momentum: 0.9);
        Train(a, first.ZeroGrad, first.Step, _ => { });
        b.load_state_dict(a.state_dict());
        var saved = first.State().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        var second = new SgdOptimizer(b.parameters(), 0.05, momentum: 0.9);
        second.LoadState(saved, "test");
        Train(a, first.ZeroGrad, first.Step, _ => { });
        Train(b, second.ZeroGrad, second.Step, _ => { });
        AssertSameParameters(a, b);
    }

    [Fact]
    public void ScheduleWarmsUpThenAnnealsToMinimum()
    {
        var s = new LearningRateSchedule(1.0, totalSteps: 11, warmupSteps: 2, minFactor: 0.1);
        Assert.Equal(0.5, s.RateAt(0), 10);
        Assert.Equal(1.0, s.RateAt(1), 10);
        Assert.Equal(1.0, s.RateAt(2), 10);
        Assert.Equal(0.1, s.RateAt(10), 10);
        Assert.Equal(0.55, s.RateAt(6), 10);   // midway through the cosine: min + (1 - min) / 2
        for (int i = 3; i < 11; i++) Assert.True(s.RateAt(i) < s.RateAt(i - 1));
    }
}
