using static TorchSharp.torch;

namespace Arbor.Methods.Hgclip;

/// <summary>The prototype buffer both HGCLIP models keep for their visual graph: [nodes, image width], filled once.</summary>
internal static class PrototypeBuffer
{
    /// <summary>Copies <paramref name="values"/> into <paramref name="buffer"/>; null means the model has no visual graph.</summary>
    public static void Fill(Tensor? buffer, Tensor values)
    {
        if (buffer is null) throw new InvalidOperationException("this model has no visual graph, so no prototypes");
        if (!values.shape.SequenceEqual(buffer.shape))
            throw new ArgumentException($"prototypes must be [{string.Join(", ", buffer.shape)}], got [{string.Join(", ", values.shape)}]");
        using var _ = no_grad();
        buffer.copy_(values);
    }
}
