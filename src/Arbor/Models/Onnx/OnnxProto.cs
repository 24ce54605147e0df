namespace Arbor.Models.Onnx;

/// <summary>ONNX tensor element types (<c>TensorProto.DataType</c>) that Arbor reads.</summary>
public enum OnnxDataType
{
    Undefined = 0, Float = 1, UInt8 = 2, Int8 = 3, UInt16 = 4, Int16 = 5, Int32 = 6, Int64 = 7, String = 8, Bool = 9,
    Float16 = 10, Double = 11, UInt32 = 12, UInt64 = 13, BFloat16 = 16,
}

/// <summary>
/// A tensor of the file (<c>TensorProto</c>): an initializer or a constant attribute. The values stay as the file's bytes
/// (<see cref="Raw"/>, little-endian) or as the typed repeated fields, and become a torch tensor in <see cref="OnnxTensors"/>.
/// </summary>
public sealed class OnnxTensorProto
{
    public string Name { get; internal set; } = "";
    public OnnxDataType DataType { get; internal set; }
    public long[] Dims { get; internal set; } = [];
    /// <summary>raw_data as a range of the file's bytes, or empty.</summary>
    public ArraySegment<byte> Raw { get; internal set; }
    public List<float> FloatData { get; } = new();
    public List<long> Int64Data { get; } = new();   // int64_data, and int32_data (also bool/int8/uint8/int16/float16 bits)
    public List<double> DoubleData { get; } = new();
    public bool External { get; internal set; }

    /// <summary>Number of elements (1 for a scalar).</summary>
    public long ElementCount => Dims.Aggregate(1L, (a, d) => a * d);
}

/// <summary>An attribute of a node (<c>AttributeProto</c>); the value that its <see cref="Type"/> names is set.</summary>
public sealed class OnnxAttribute
{
    public string Name { get; internal set; } = "";
    /// <summary>1 float, 2 int, 3 string, 4 tensor, 5 graph, 6 floats, 7 ints, 8 strings.</summary>
    public int Type { get; internal set; }
    public float F { get; internal set; }
    public long I { get; internal set; }
    public string S { get; internal set; } = "";
    public OnnxTensorProto? T { get; internal set; }
    public List<float> Floats { get; } = new();
    public List<long> Ints { get; } = new();
    public List<string> Strings { get; } = new();
}

/// <summary>A graph node (<c>NodeProto</c>): an operator applied to named values, giving named values.</summary>
public sealed class OnnxNode
{
    public string Name { get; internal set; } = "";
    public string OpType { get; internal set; } = "";
    public string Domain { get; internal set; } = "";
    public List<string> Inputs { get; } = new();
    public List<string> Outputs { get; } = new();
    public Dictionary<string, OnnxAttribute> Attributes { get; } = new(StringComparer.Ordinal);

    /// <summary>Where the node is, for error messages.</summary>
    public override string ToString() => Name.Length > 0 ? $"{OpType} node '{Name}'" : $"{OpType} node → '{Outputs.FirstOrDefault()}'";
}

/// <summary>A declared graph input or output: its name, element type and shape (null entries are symbolic dimensions).</summary>
public sealed record OnnxValueInfo(string Name, OnnxDataType ElementType, long?[] Shape);

/// <summary>The main graph of a model (<c>GraphProto</c>), nodes in the file's (topological) order.</summary>
public sealed class OnnxGraphProto
{
    public string Name { get; internal set; } = "";
    public List<OnnxNode> Nodes { get; } = new();
    public List<OnnxTensorProto> Initializers { get; } = new();
    public List<OnnxValueInfo> Inputs { get; } = new();
    public List<OnnxValueInfo> Outputs { get; } = new();
}

/// <summary>A parsed ONNX model (<c>ModelProto</c>): IR version, operator-set versions per domain, producer, graph.</summary>
public sealed class OnnxModelProto
{
    public long IrVersion { get; internal set; }
    public string ProducerName { get; internal set; } = "";
    public Dictionary<string, long> OpsetImports { get; } = new(StringComparer.Ordinal);
    public OnnxGraphProto Graph { get; internal set; } = new();
    /// <summary>The file it came from (for error messages).</summary>
    public string Source { get; internal set; } = "";

    /// <summary>The default-domain operator-set version (what decides attribute-vs-input forms of Unsqueeze, Slice, …).</summary>
    public long Opset => OpsetImports.TryGetValue("", out var v) ? v : OpsetImports.TryGetValue("ai.onnx", out var w) ? w : 1;
}
