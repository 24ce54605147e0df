using static TorchSharp.torch;

namespace Arbor.IO;

/// <summary>The element types of the safetensors format that Arbor reads, and how each maps to a tensor type.</summary>
internal static class SafeTensorsDType
{
    /// <summary>Bytes per element of a stored dtype, or 0 when the dtype is not one Arbor reads.</summary>
    public static int ElementSize(string dtype) => dtype switch
    {
        "F64" or "I64" => 8,
        "F32" or "I32" => 4,
        "F16" or "BF16" or "I16" => 2,
        "I8" or "U8" or "BOOL" => 1,
        _ => 0,
    };

    /// <summary>The tensor type the stored bytes are read into (before any conversion to float32).</summary>
    public static ScalarType StoredType(string dtype) => dtype switch
    {
        "F64" => ScalarType.Float64,
        "F32" => ScalarType.Float32,
        "F16" => ScalarType.Float16,
        "BF16" => ScalarType.BFloat16,
        "I64" => ScalarType.Int64,
        "I32" => ScalarType.Int32,
        "I16" => ScalarType.Int16,
        "I8" => ScalarType.Int8,
        "U8" => ScalarType.Byte,
        "BOOL" => ScalarType.Bool,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unsupported safetensors dtype"),
    };

    /// <summary>Floating-point dtypes are handed out as float32 (Arbor computes in float32 on CPU).</summary>
    public static bool IsFloat(string dtype) => dtype is "F64" or "F32" or "F16" or "BF16";

    /// <summary>The safetensors dtype a tensor is written as; float16/bfloat16/float64 are written as they are.</summary>
    public static string Of(ScalarType type) => type switch
    {
        ScalarType.Float64 => "F64",
        ScalarType.Float32 => "F32",
        ScalarType.Float16 => "F16",
        ScalarType.BFloat16 => "BF16",
        ScalarType.Int64 => "I64",
        ScalarType.Int32 => "I32",
        ScalarType.Int16 => "I16",
        ScalarType.Int8 => "I8",
        ScalarType.Byte => "U8",
        ScalarType.Bool => "BOOL",
        _ => throw new ArgumentException($"cannot write a {type} tensor to safetensors"),
    };

    /// <summary>The dtypes the reader accepts, for error messages.</summary>
    public const string Known = "F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL";
}
