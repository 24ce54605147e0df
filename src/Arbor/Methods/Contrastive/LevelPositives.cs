using static TorchSharp.torch;

namespace Arbor.Methods.Contrastive;

/// <summary>Who is a positive of whom, per level, and the view layout shared by the losses.</summary>
internal static class LevelPositives
{
    /// <summary>
    /// For labels <c>[N, L]</c> (local ids, coarse → fine), one <c>[N, N]</c> bool mask per level: samples i and j agree at
    /// level l iff their labels agree at every level 1..l (prefix equality, computed as a running AND over the levels).
    /// </summary>
    public static Tensor[] PrefixMasks(Tensor labels)
    {
        var masks = new Tensor[labels.shape[1]];
        Tensor? prefix = null;
        for (int l = 0; l < masks.Length; l++)
        {
            var column = labels[.., l];
            var same = column.unsqueeze(1).eq(column.unsqueeze(0));
            prefix = prefix is null ? same : prefix.logical_and(same);
            masks[l] = prefix;
        }
        return masks;
    }

    /// <summary>The instance level: a sample agrees only with itself.</summary>
    public static Tensor InstanceMask(long n, Device device) => eye(n, dtype: ScalarType.Bool, device: device);

    /// <summary><c>[N, V, D]</c> → <c>[V·N, D]</c>, view-major (row v·N + n is view v of sample n).</summary>
    public static Tensor Flatten(Tensor z) => z.transpose(0, 1).reshape(-1, z.shape[2]);

    /// <summary>Similarities of all flattened views divided by τ, <c>[V·N, V·N]</c>.</summary>
    public static Tensor Logits(Tensor z, double temperature)
    {
        var flat = Flatten(z);
        return flat.matmul(flat.t()) / temperature;
    }
}
