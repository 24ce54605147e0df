using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Methods.Prompting.Baselines;

/// <summary>
/// PromptSRC's Gaussian-weighted prompt aggregation: after epoch e (1-based) of E, every prompt tensor joins a running
/// weighted average with weight w_e = N(e; μ, σ²). The average is kept normalised as it grows (a running mean in log
/// space: total ← logaddexp(total, log w_e); avg ← avg + exp(log w_e − total)·(p − avg)), so it stays exact when early
/// weights are far below float range, and after the last epoch it equals Σ w_e p_e / Σ w_e as in the paper. The averages
/// (one buffer per prompt tensor, named after it) and the log of the total weight are state: checkpoints and resumed runs
/// carry them. Buffers are looked up by name on every use, so moving the module to another device moves them too.
/// </summary>
public sealed class GaussianPromptEnsemble : nn.Module
{
    const string LogWeightName = "log_weight";

    /// <summary>Mean and standard deviation of the weights over 1-based epochs.</summary>
    public double Mean { get; }
    public double Std { get; }

    /// <param name="prompts">The prompt tensors by name (their values start the averages, which count for nothing
    /// until the first <see cref="Add"/>).</param>
    /// <param name="epochs">The run's epochs E: μ = 0.75·E, σ = E/20 (the authors' 20-epoch config: 15 and 1).</param>
    public GaussianPromptEnsemble(IEnumerable<(string Name, Tensor Value)> prompts, int epochs) : base("ensemble")
    {
        Mean = 0.75 * epochs;
        Std = Math.Max(epochs / 20.0, 0.5);
        using (no_grad())
            foreach (var (name, value) in prompts)
                register_buffer(BufferName(name), value.detach().clone().DetachFromDisposeScope());
        register_buffer(LogWeightName, full(1, double.NegativeInfinity).DetachFromDisposeScope());
    }

    static string BufferName(string prompt) => prompt.Replace('.', '_');

    Tensor Buffer(string name) => named_buffers().FirstOrDefault(b => b.name == name).buffer
        ?? throw new ArgumentException($"the ensemble holds no prompt '{name}'");

    /// <summary>True once an epoch has been added.</summary>
    public bool HasAverage => !float.IsNegativeInfinity(Buffer(LogWeightName).item<float>());

    /// <summary>log N(e; μ, σ²) of a 1-based epoch.</summary>
    public double LogWeight(int epoch) =>
        -0.5 * Math.Pow((epoch - Mean) / Std, 2) - Math.Log(Std * Math.Sqrt(2 * Math.PI));

    /// <summary>Adds the prompts as they are at the end of <paramref name="epoch"/> (1-based).</summary>
    public void Add(int epoch, IEnumerable<(string Name, Tensor Value)> prompts)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var logWeight = Buffer(LogWeightName);
        double logW = LogWeight(epoch), previous = logWeight.item<float>();
        double total = double.IsNegativeInfinity(previous) ? logW
            : Math.Max(previous, logW) + Math.Log(1 + Math.Exp(-Math.Abs(previous - logW)));
        double share = Math.Exp(logW - total);
        foreach (var (name, value) in prompts)
        {
            var average = Buffer(BufferName(name));
            average.add_((value - average) * share);
        }
        logWeight.fill_(total);
    }

    /// <summary>The weighted average of the prompt <paramref name="name"/>.</summary>
    public Tensor Average(string name) => Buffer(BufferName(name));
}
