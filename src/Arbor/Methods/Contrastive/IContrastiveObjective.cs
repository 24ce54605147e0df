using static TorchSharp.torch;

namespace Arbor.Methods.Contrastive;

/// <summary>
/// A contrastive training objective over a batch of N samples seen in V views. The trainer calls <see cref="Loss"/> once
/// per step; objectives with trainable parts are <see cref="TorchSharp.torch.nn.Module"/>s so their parameters reach the
/// optimiser (see <see cref="ContrastiveObjective"/>).
/// </summary>
public interface IContrastiveObjective : IDisposable
{
    /// <summary>Method name as accepted by <see cref="ContrastiveObjectives.Create"/>.</summary>
    string Method { get; }

    /// <summary>
    /// The scalar loss. <paramref name="z"/>: projections <c>[N, V, D]</c>, L2-normalised; <paramref name="labels"/>:
    /// <c>[N, L]</c> int64, the local class id at every level, coarse → fine; <paramref name="features"/>: backbone
    /// features <c>[N, V, F]</c>, needed only by A-HMLC.
    /// </summary>
    Tensor Loss(Tensor z, Tensor labels, Tensor? features = null);
}
