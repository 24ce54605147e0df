using TorchSharp;

namespace Arbor.Models;

/// <summary>
/// Scalars the towers pass to libtorch on every call, made once. TorchSharp turns a number (and <c>a + b</c>'s implicit
/// alpha of 1) into a native <see cref="Scalar"/> that is freed only by its finalizer, so a forward pass leaves dozens of
/// small native blocks alive until the next garbage collection, which rarely comes (little managed memory is allocated).
/// Scattered between the freed 10–20 MB activations they fragment glibc's heap: the text tower at batch 64 × 77 grew the
/// heap by 100–200 MB per batch, every new page faulted in on first touch (docs/precision.md, "The text tower's cost per FLOP").
/// </summary>
internal static class CachedScalars
{
    /// <summary>1, the alpha of <c>Tensor.add(other, alpha)</c>: use <c>a.add(b, CachedScalars.One)</c> for <c>a + b</c> on hot paths.</summary>
    public static readonly Scalar One = 1.ToScalar();
}
