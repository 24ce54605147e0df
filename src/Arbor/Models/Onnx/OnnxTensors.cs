using static TorchSharp.torch;

namespace Arbor.Models.Onnx;

/// <summary>Turns ONNX tensors and type codes into torch tensors and dtypes.</summary>
public static class OnnxTensors
{
    /// <summary>The torch dtype of an ONNX element type; unsupported types are refused naming them.</summary>
    public static ScalarType ToScalarType(OnnxDataType type) => type switch
    {
        OnnxDataType.Float => ScalarType.Float32,
        OnnxDataType.Double => ScalarType.Float64,
        OnnxDataType.Float16 => ScalarType.Float16,
        OnnxDataType.BFloat16 => ScalarType.BFloat16,
        OnnxDataType.Int64 => ScalarType.Int64,
        OnnxDataType.Int32 => ScalarType.Int32,
        OnnxDataType.Int16 => ScalarType.Int16,
        OnnxDataType.Int8 => ScalarType.Int8,
        OnnxDataType.UInt8 => ScalarType.Byte,
        OnnxDataType.Bool => ScalarType.Bool,
        _ => throw new OnnxFormatException($"tensor element type {type} is not supported"),
    };

    static int ElementSize(OnnxDataType type) => type switch
    {
        OnnxDataType.Double or OnnxDataType.Int64 => 8,
        OnnxDataType.Float or OnnxDataType.Int32 => 4,
        OnnxDataType.Float16 or OnnxDataType.BFloat16 or OnnxDataType.Int16 => 2,
        OnnxDataType.Int8 or OnnxDataType.UInt8 or OnnxDataType.Bool => 1,
        _ => throw new OnnxFormatException($"tensor element type {type} is not supported"),
    };

    /// <summary>A new tensor (outside any dispose scope's reach is the caller's business) holding <paramref name="t"/>'s values.</summary>
    public static Tensor ToTensor(OnnxTensorProto t)
    {
        var dtype = ToScalarType(t.DataType);
        long count = t.ElementCount;
        string what = t.Name.Length > 0 ? $"tensor '{t.Name}'" : "a constant tensor";
        if (t.Raw.Count > 0 || count == 0 && t.FloatData.Count + t.Int64Data.Count + t.DoubleData.Count == 0)
        {
            long expected = count * ElementSize(t.DataType);
            if (t.Raw.Count != expected)
                throw new OnnxFormatException($"{what} [{string.Join(", ", t.Dims)}] {t.DataType} needs {expected} bytes of data, has {t.Raw.Count}");
            var result = empty(t.Dims, dtype);
            if (expected > 0) result.bytes = t.Raw.AsSpan();      // little-endian, as torch keeps it on this platform
            return result;
        }
        switch (t.DataType)
        {
            case OnnxDataType.Float:
                Check(t.FloatData.Count, count, what);
                return tensor(t.FloatData.ToArray(), t.Dims);
            case OnnxDataType.Double:
                Check(t.DoubleData.Count, count, what);
                return tensor(t.DoubleData.ToArray(), t.Dims);
            case OnnxDataType.Int64:
            case OnnxDataType.Int32:
            case OnnxDataType.Int16:
            case OnnxDataType.Int8:
            case OnnxDataType.UInt8:
            case OnnxDataType.Bool:
                Check(t.Int64Data.Count, count, what);
                using (var wide = tensor(t.Int64Data.ToArray(), t.Dims)) return wide.to_type(dtype);
            default:
                throw new OnnxFormatException($"{what}: {t.DataType} values outside raw_data are not supported");
        }
    }

    static void Check(int have, long want, string what)
    {
        if (have != want) throw new OnnxFormatException($"{what} needs {want} values, has {have}");
    }
}
