using System.Text;
using Arbor.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Tests.IO;

public class SafeTensorsTests
{
    /// <summary>Builds a safetensors file byte by byte: header length, the given JSON header, the given data.</summary>
    static string RawFile(TempFolder dir, string headerJson, byte[] data, long? declaredLength = null, string name = "t.safetensors")
    {
        var header = Encoding.UTF8.GetBytes(headerJson);
        var path = dir.File(name);
        using var s = File.Create(path);
        s.Write(BitConverter.GetBytes((ulong)(declaredLength ?? header.Length)));
        s.Write(header);
        s.Write(data);
        return path;
    }

    static bool Same(Tensor a, Tensor b) =>
        a.dtype == b.dtype && a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    static ArborException ReadFails(string path)
    {
        var e = Assert.ThrowsAny<ArborException>(() => { using var _ = SafeTensors.Read(path); });
        Assert.Contains(path, e.Message);
        return e;
    }

    [Fact]
    public void RoundTripKeepsValuesTypesShapesAndMetadata()
    {
        using var dir = TestPaths.NewTempFolder();
        using var scope = NewDisposeScope();
        var f = torch.randn(3, 5, 2);
        var i64 = torch.tensor(new long[] { -1, 0, long.MaxValue, 42 }).reshape(2, 2);
        var i32 = torch.tensor(new int[] { 7, -8, 9 });
        var u8 = torch.tensor(new byte[] { 0, 255, 17 });
        var scalar = torch.tensor(2.5f);
        var empty = torch.zeros(0, 4);
        var strided = torch.arange(12, dtype: ScalarType.Float32).reshape(3, 4).t();   // not contiguous
        var path = dir.File("a.safetensors");
        SafeTensors.Write(path, new Dictionary<string, Tensor>
        {
            ["f"] = f, ["i64"] = i64, ["i32"] = i32, ["u8"] = u8, ["scalar"] = scalar, ["empty"] = empty, ["strided"] = strided,
        }, new Dictionary<string, string> { ["format"] = "pt" });

        Assert.Equal(0, BitConverter.ToInt64(File.ReadAllBytes(path), 0) % 8);
        using var read = SafeTensors.Read(path);
        Assert.Equal(7, read.Count);
        Assert.True(Same(read["f"], f));
        Assert.Equal(ScalarType.Int64, read["i64"].dtype);
        Assert.True(Same(read["i64"], i64));
        Assert.Equal(ScalarType.Int32, read["i32"].dtype);
        Assert.True(Same(read["i32"], i32));
        Assert.Equal(ScalarType.Byte, read["u8"].dtype);
        Assert.True(Same(read["u8"], u8));
        Assert.Empty(read["scalar"].shape);
        Assert.Equal(2.5f, read["scalar"].item<float>());
        Assert.Equal(new long[] { 0, 4 }, read["empty"].shape);
        Assert.True(Same(read["strided"], strided));
        Assert.Equal("F32", read.StoredDType("f"));
        Assert.Equal("I64", read.StoredDType("i64"));
        Assert.Equal("pt", read.Metadata["format"]);
        Assert.False(File.Exists(path + ".tmp"));
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void Float16AndBFloat16AreConvertedToFloat32()
    {
        using var dir = TestPaths.NewTempFolder();
        // F16: 0x3C00 = 1, 0xC000 = -2, 0x3555 = 1 + 341/1024 scaled by 2^-2 = 0.333251953125, 0x7BFF = 65504 (max half).
        // BF16 (upper half of a float32): 0x3F80 = 1, 0xC0A0 = -5, 0x3EAB = 0.333984375, 0x4049 = 3.140625.
        ushort[] f16 = { 0x3C00, 0xC000, 0x3555, 0x7BFF };
        ushort[] bf16 = { 0x3F80, 0xC0A0, 0x3EAB, 0x4049 };
        var data = f16.Concat(bf16).SelectMany(BitConverter.GetBytes).ToArray();
        var path = RawFile(dir,
            """{"h":{"dtype":"F16","shape":[2,2],"data_offsets":[0,8]},"b":{"dtype":"BF16","shape":[4],"data_offsets":[8,16]}}""", data);
        using var read = SafeTensors.Read(path);
        Assert.Equal(ScalarType.Float32, read["h"].dtype);
        Assert.Equal(new long[] { 2, 2 }, read["h"].shape);
        Assert.Equal(new[] { 1f, -2f, 0.333251953125f, 65504f }, read["h"].data<float>().ToArray());
        Assert.Equal(new[] { 1f, -5f, 0.333984375f, 3.140625f }, read["b"].data<float>().ToArray());
        Assert.Equal("F16", read.StoredDType("h"));
        Assert.Equal("BF16", read.StoredDType("b"));
    }

    [Fact]
    public void TruncatedFileIsAnErrorNamingTheTensor()
    {
        using var dir = TestPaths.NewTempFolder();
        using var scope = NewDisposeScope();
        var path = dir.File("full.safetensors");
        SafeTensors.Write(path, new Dictionary<string, Tensor> { ["a"] = torch.ones(4), ["b"] = torch.ones(8) });
        var bytes = File.ReadAllBytes(path);
        var cut = dir.File("cut.safetensors");
        File.WriteAllBytes(cut, bytes[..^5]);
        var e = ReadFails(cut);
        Assert.Contains("'b'", e.Message);
        Assert.Contains("beyond", e.Message);

        File.WriteAllBytes(cut, bytes[..20]);   // cut inside the header
        Assert.Contains("exceeds the file", ReadFails(cut).Message);
        File.WriteAllBytes(cut, bytes[..3]);
        Assert.Contains("shorter than", ReadFails(cut).Message);
    }

    [Fact]
    public void BadHeaderLengthOrJsonIsAnError()
    {
        using var dir = TestPaths.NewTempFolder();
        var ok = """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""";
        Assert.Contains("exceeds", ReadFails(RawFile(dir, ok, new byte[4], declaredLength: ulong.MaxValue / 2 is var x ? (long)x : 0)).Message);
        Assert.Contains("not valid JSON", ReadFails(RawFile(dir, ok, new byte[4], declaredLength: ok.Length - 3, name: "short.st")).Message);
        Assert.Contains("not valid JSON", ReadFails(RawFile(dir, "{\"a\": [1,", new byte[4], name: "j.st")).Message);
        Assert.Contains("JSON object", ReadFails(RawFile(dir, "[1, 2, 3]", new byte[4], name: "arr.st")).Message);
        Assert.Contains("unsupported dtype 'F8_E4M3'",
            ReadFails(RawFile(dir, """{"a":{"dtype":"F8_E4M3","shape":[4],"data_offsets":[0,4]}}""", new byte[4], name: "d.st")).Message);
        Assert.Contains("needs 8 bytes",
            ReadFails(RawFile(dir, """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}""", new byte[8], name: "s.st")).Message);
        Assert.Contains("non-negative",
            ReadFails(RawFile(dir, """{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""", new byte[4], name: "n.st")).Message);
        Assert.Contains("not a valid range",
            ReadFails(RawFile(dir, """{"a":{"dtype":"F32","shape":[1],"data_offsets":["0",4]}}""", new byte[4], name: "o.st")).Message);
        Assert.Contains("impossibly large",
            ReadFails(RawFile(dir, """{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}""", new byte[4], name: "big.st")).Message);
    }

    [Fact]
    public void OffsetsOutOfRangeOrOverlappingAreErrors()
    {
        using var dir = TestPaths.NewTempFolder();
        var e = ReadFails(RawFile(dir, """{"a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", new byte[8]));
        Assert.Contains("beyond the data section", e.Message);
        e = ReadFails(RawFile(dir, """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""",
            new byte[12], name: "o.st"));
        Assert.Contains("overlap", e.Message);
        Assert.Contains("'a'", e.Message);
        Assert.Contains("'b'", e.Message);
        e = ReadFails(RawFile(dir, """{"a":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}}""", new byte[8], name: "r.st"));
        Assert.Contains("not a valid range", e.Message);
    }

    [Fact]
    public void ShardedIndexReadsEveryShardAndRejectsMissingOnes()
    {
        using var dir = TestPaths.NewTempFolder();
        using var scope = NewDisposeScope();
        var a = torch.randn(3);
        var b = torch.randn(2, 2);
        SafeTensors.Write(dir.File("model-00001-of-00002.safetensors"), new Dictionary<string, Tensor> { ["a"] = a });
        SafeTensors.Write(dir.File("model-00002-of-00002.safetensors"), new Dictionary<string, Tensor> { ["b"] = b });
        var index = dir.File("model.safetensors.index.json");
        File.WriteAllText(index, """
            {"metadata": {"total_size": 28}, "weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}}
            """);
        using (var read = SafeTensors.ReadSharded(index))
        {
            Assert.Equal(2, read.Count);
            Assert.True(Same(read["a"], a));
            Assert.True(Same(read["b"], b));
        }
        File.WriteAllText(index, """{"weight_map": {"a": "model-00001-of-00002.safetensors", "c": "model-00003.safetensors"}}""");
        var e = Assert.Throws<ArborException>(() => SafeTensors.ReadSharded(index));
        Assert.Contains("model-00003.safetensors", e.Message);
        File.WriteAllText(index, """{"weight_map": {"b": "model-00001-of-00002.safetensors"}}""");
        e = Assert.Throws<ArborException>(() => SafeTensors.ReadSharded(index));
        Assert.Contains("no tensor named 'b'", e.Message);
    }
}
