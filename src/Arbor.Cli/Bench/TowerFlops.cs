using Arbor.Models.Clip;

namespace Arbor.Bench;

/// <summary>
/// Multiply-add FLOPs (2 per MAC) of a CLIP tower's forward pass: the linears of every block (q, k, v, out, fc1, fc2),
/// attention's two batched products (QKᵀ and PV), the patch embedding and the projection. Elementwise work (layer
/// norms, activations, softmax) is left out, as in the usual accounting, so time per FLOP shows what it costs.
/// </summary>
internal static class TowerFlops
{
    public static double Block(long batch, long tokens, long width, long intermediate) =>
        2.0 * batch * tokens * width * (4 * width + 2 * intermediate) + 4.0 * batch * tokens * tokens * width;

    public static double Image(ClipVisionConfig v, long batch, long projection)
    {
        long tokens = v.NumPatches + 1;
        double patches = 2.0 * batch * v.NumPatches * v.NumChannels * v.PatchSize * v.PatchSize * v.HiddenSize;
        return patches + v.NumHiddenLayers * Block(batch, tokens, v.HiddenSize, v.IntermediateSize) + 2.0 * batch * v.HiddenSize * projection;
    }

    public static double Text(ClipTextConfig t, long batch, long tokens, long projection) =>
        t.NumHiddenLayers * Block(batch, tokens, t.HiddenSize, t.IntermediateSize) + 2.0 * batch * t.HiddenSize * projection;
}
