using Arbor.Distributed;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Arbor.Models.Vision;

/// <summary>
/// BatchNorm over [B, C, H, W] that, once <see cref="Attach"/> gives it a process group of K &gt; 1 ranks, normalises
/// with the statistics of the global batch: per-channel sums over this rank's rows are all-reduced (mean first, then
/// the centred sum of squares, as a two-pass variance), the running statistics move identically on every rank, and the
/// backward pass all-reduces the gradients of those sums — so K ranks with B/K rows each compute what one process with
/// B rows does. Without a group (or with one rank) it is torch's batch_norm, so single-process results and checkpoints
/// are those of <see cref="BatchNorm2d"/>; the state-dict keys are the same (weight, bias, running_mean, running_var,
/// num_batches_tracked).
/// </summary>
public sealed class SyncBatchNorm2d : nn.Module<Tensor, Tensor>
{
    readonly Parameter weight;
    readonly Parameter bias;
    readonly Tensor running_mean;
    readonly Tensor running_var;
    readonly Tensor num_batches_tracked;
    readonly double _eps, _momentum;
    IProcessGroup? _group;

    public SyncBatchNorm2d(long features, double eps = 1e-5, double momentum = 0.1) : base(nameof(SyncBatchNorm2d))
    {
        _eps = eps;
        _momentum = momentum;
        // Built inside a caller's dispose scope, the module must still own its tensors afterwards.
        weight = new Parameter(ones(features).DetachFromDisposeScope());
        weight.DetachFromDisposeScope();
        bias = new Parameter(zeros(features).DetachFromDisposeScope());
        bias.DetachFromDisposeScope();
        running_mean = zeros(features).DetachFromDisposeScope();
        running_var = ones(features).DetachFromDisposeScope();
        num_batches_tracked = zeros(Array.Empty<long>(), ScalarType.Int64).DetachFromDisposeScope();
        RegisterComponents();
    }

    public Parameter Weight => weight;
    public Parameter Bias => bias;

    /// <summary>Makes every <see cref="SyncBatchNorm2d"/> in <paramref name="model"/> synchronise over
    /// <paramref name="group"/> (null: back to per-process statistics). Returns how many layers it reached.</summary>
    public static int Attach(nn.Module model, IProcessGroup? group)
    {
        int count = 0;
        foreach (var (_, module) in model.named_modules())
            if (module is SyncBatchNorm2d bn) { bn._group = group is { Size: > 1 } ? group : null; count++; }
        return count;
    }

    public override Tensor forward(Tensor x)
    {
        if (x.dim() != 4) throw new ArgumentException($"expected [B, C, H, W], got [{string.Join(", ", x.shape)}]");
        if (_group is null || !training)
        {
            if (training) using (no_grad()) num_batches_tracked.add_(1);
            return nn.functional.batch_norm(x, running_mean, running_var, weight, bias, training, _momentum, _eps);
        }
        using var scope = NewDisposeScope();
        long channels = x.shape[1];
        long rows = x.shape[0] * x.shape[2] * x.shape[3];
        var dims = new long[] { 0, 2, 3 };
        // Sums and the row count travel together: one collective for the mean, one for the variance.
        var firstPass = DifferentiableCollectives.AllReduceSum(_group,
            cat(new[] { x.sum(dims), full(new long[] { 1 }, (double)rows, dtype: x.dtype, device: x.device) }));
        var count = firstPass[channels].to(ScalarType.Float64).item<double>();
        var mean = firstPass.narrow(0, 0, channels) / count;
        var centred = x - mean.view(1, -1, 1, 1);
        var variance = DifferentiableCollectives.AllReduceSum(_group, centred.square().sum(dims)) / count;
        var y = centred * (variance + _eps).rsqrt().view(1, -1, 1, 1) * weight.view(1, -1, 1, 1) + bias.view(1, -1, 1, 1);
        using (no_grad())
        {
            running_mean.mul_(1 - _momentum).add_(mean.detach() * _momentum);
            running_var.mul_(1 - _momentum).add_(variance.detach() * (count / Math.Max(1.0, count - 1.0)) * _momentum);
            num_batches_tracked.add_(1);
        }
        return y.MoveToOuterDisposeScope();
    }
}
