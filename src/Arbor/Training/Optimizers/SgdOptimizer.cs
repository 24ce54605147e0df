using static TorchSharp.torch;

namespace Arbor.Training.Optimizers;

/// <summary>
/// SGD with momentum and (coupled) weight decay, as torch.optim.SGD: g ← g + wd·p; b ← μ·b + g (b = g on the first step);
/// p ← p − lr·b (Nesterov: p ← p − lr·(g + μ·b)).
/// </summary>
internal sealed class SgdOptimizer : ParameterOptimizer
{
    readonly double _momentum, _weightDecay;
    readonly bool _nesterov;
    readonly Tensor[] _buffers;
    readonly Tensor _started;   // scalar flag per optimiser so the first step initialises the buffers, saved with the state

    public SgdOptimizer(IEnumerable<TorchSharp.Modules.Parameter> parameters, double learningRate, double momentum = 0.9,
        double weightDecay = 0, bool nesterov = false) : base(parameters)
    {
        LearningRate = learningRate;
        _momentum = momentum;
        _weightDecay = weightDecay;
        _nesterov = nesterov;
        _buffers = Parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
        _started = zeros(1).DetachFromDisposeScope();
    }

    public override void Step()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        bool first = _started.item<float>() == 0;
        for (int i = 0; i < Parameters.Count; i++)
        {
            var p = Parameters[i];
            if (p.grad is null) continue;
            var g = p.grad;
            if (_weightDecay != 0) g = g.add(p, alpha: _weightDecay);
            if (_momentum != 0)
            {
                if (first) _buffers[i].copy_(g);
                else _buffers[i].mul_(_momentum).add_(g);
                g = _nesterov ? g.add(_buffers[i], alpha: _momentum) : _buffers[i];
            }
            p.add_(g, alpha: -LearningRate);
        }
        _started.fill_(1);
    }

    public override IReadOnlyDictionary<string, Tensor> State()
    {
        var state = new Dictionary<string, Tensor> { ["sgd.started"] = _started };
        for (int i = 0; i < _buffers.Length; i++) state[$"sgd.momentum.{i}"] = _buffers[i];
        return state;
    }

    public override void Dispose()
    {
        foreach (var b in _buffers) b.Dispose();
        _started.Dispose();
    }
}
