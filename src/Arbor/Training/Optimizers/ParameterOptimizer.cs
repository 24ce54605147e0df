using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Training.Optimizers;

/// <summary>
/// A first-order optimiser over a fixed list of parameters whose whole state is a set of named tensors, so that a
/// checkpoint can save it exactly and a resumed run continues bit-for-bit where it stopped. (TorchSharp's built-in
/// optimisers keep state that is awkward to serialise alongside the model; these are short and exact to PyTorch's
/// update rules.)
/// </summary>
internal abstract class ParameterOptimizer : IDisposable
{
    protected readonly IReadOnlyList<TorchSharp.Modules.Parameter> Parameters;

    protected ParameterOptimizer(IEnumerable<TorchSharp.Modules.Parameter> parameters)
    {
        Parameters = parameters.ToArray();
        if (Parameters.Count == 0) throw new ArgumentException("the optimiser has no parameters to train");
    }

    /// <summary>Learning rate used by the next <see cref="Step"/>.</summary>
    public double LearningRate { get; set; }

    /// <summary>Applies one update from the parameters' current gradients (parameters without a gradient are skipped).</summary>
    public abstract void Step();

    /// <summary>Clears every parameter's gradient.</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters)
        {
            var g = p.grad;
            if (g is not null) { g.Dispose(); p.grad = null; }
        }
    }

    /// <summary>The optimiser's state as named tensors (views of the live state; copy before mutating).</summary>
    public abstract IReadOnlyDictionary<string, Tensor> State();

    /// <summary>Restores the state saved by <see cref="State"/>; names and shapes must match.</summary>
    public void LoadState(IReadOnlyDictionary<string, Tensor> saved, string source)
    {
        var live = State();
        foreach (var (name, tensor) in live)
        {
            if (!saved.TryGetValue(name, out var value))
                throw new ArborException($"checkpoint lacks optimiser state '{name}'", source);
            if (!value.shape.SequenceEqual(tensor.shape))
                throw new ArborException($"optimiser state '{name}' has shape [{string.Join(",", value.shape)}], expected [{string.Join(",", tensor.shape)}]", source);
            using (no_grad()) tensor.copy_(value);
        }
    }

    public virtual void Dispose() { }
}
