using static TorchSharp.torch;

namespace Arbor.Models.Onnx;

/// <summary>What an operator sees when it runs: its node (attributes), its input values, the opset and the mode.</summary>
public sealed class OnnxOpContext
{
    internal OnnxOpContext(OnnxNode node, Tensor?[] inputs, long opset, bool training, double? batchNormMomentum = null)
    {
        Node = node;
        Inputs = inputs;
        Opset = opset;
        Training = training;
        BatchNormMomentum = batchNormMomentum;
    }

    public OnnxNode Node { get; }
    /// <summary>Input values in node order; null where an optional input is left empty.</summary>
    public Tensor?[] Inputs { get; }
    public long Opset { get; }
    /// <summary>True when the module is in training mode (BatchNormalization then uses batch statistics).</summary>
    public bool Training { get; }
    /// <summary>
    /// Weight of the batch in BatchNormalization's running-statistic update (torch's convention), replacing the node's own
    /// momentum attribute; null keeps the file's.
    /// </summary>
    public double? BatchNormMomentum { get; }

    /// <summary>Input <paramref name="i"/>, which must be present.</summary>
    public Tensor In(int i) => i < Inputs.Length && Inputs[i] is { } t ? t
        : throw new OnnxFormatException($"{Node}: input {i} is missing");

    /// <summary>Input <paramref name="i"/> or null when absent.</summary>
    public Tensor? Optional(int i) => i < Inputs.Length ? Inputs[i] : null;

    public bool Has(string name) => Node.Attributes.ContainsKey(name);

    public long Int(string name, long fallback) => Node.Attributes.TryGetValue(name, out var a) ? a.I : fallback;

    public float Float(string name, float fallback) => Node.Attributes.TryGetValue(name, out var a) ? a.F : fallback;

    public string String(string name, string fallback) => Node.Attributes.TryGetValue(name, out var a) ? a.S : fallback;

    public long[]? Ints(string name) => Node.Attributes.TryGetValue(name, out var a) ? a.Ints.ToArray() : null;

    /// <summary>The integer values of a (small, 1-D or scalar) input tensor — shapes, axes, slice bounds.</summary>
    public long[] IntValues(int i)
    {
        using var t = In(i).to_type(ScalarType.Int64).cpu().flatten();
        return t.data<long>().ToArray();
    }

    /// <summary>An attribute list or, from the opset where it moved, the same list as an optional input.</summary>
    public long[]? IntsFromAttributeOrInput(string name, int input) =>
        Has(name) ? Ints(name) : Optional(input) is not null ? IntValues(input) : null;
}
