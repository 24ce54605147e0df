using static TorchSharp.torch;

namespace Arbor.Training.Optimizers;

/// <summary>
/// AdamW as torch.optim.AdamW: p ← p·(1 − lr·wd); m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²;
/// p ← p − lr·(m/(1−β1ᵗ)) / (√(v/(1−β2ᵗ)) + ε).
/// </summary>
internal sealed class AdamWOptimizer : ParameterOptimizer
{
    readonly double _beta1, _beta2, _eps, _weightDecay;
    readonly Tensor[] _m, _v;
    readonly Tensor _step;

    public AdamWOptimizer(IEnumerable<TorchSharp.Modules.Parameter> parameters, double learningRate, double weightDecay = 0.01,
        double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8) : base(parameters)
    {
        LearningRate = learningRate;
        (_beta1, _beta2, _eps, _weightDecay) = (beta1, beta2, eps, weightDecay);
        _m = Parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
        _v = Parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
        _step = zeros(1, dtype: float64).DetachFromDisposeScope();
    }

    public override void Step()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        _step.add_(1);
        double t = _step.item<double>();
        double bias1 = 1 - Math.Pow(_beta1, t), bias2 = 1 - Math.Pow(_beta2, t);
        for (int i = 0; i < Parameters.Count; i++)
        {
            var p = Parameters[i];
            if (p.grad is null) continue;
            var g = p.grad;
            if (_weightDecay != 0) p.mul_(1 - LearningRate * _weightDecay);
            _m[i].mul_(_beta1).add_(g, alpha: 1 - _beta1);
            _v[i].mul_(_beta2).addcmul_(g, g, value: 1 - _beta2);
            var denom = (_v[i] / bias2).sqrt_().add_(_eps);
            p.addcdiv_(_m[i], denom, value: -LearningRate / bias1);
        }
    }

    public override IReadOnlyDictionary<string, Tensor> State()
    {
        var state = new Dictionary<string, Tensor> { ["adamw.step"] = _step };
        for (int i = 0; i < _m.Length; i++)
        {
            state[$"adamw.m.{i}"] = _m[i];
            state[$"adamw.v.{i}"] = _v[i];
        }
        return state;
    }

    public override void Dispose()
    {
        foreach (var t in _m.Concat(_v)) t.Dispose();
        _step.Dispose();
    }
}
