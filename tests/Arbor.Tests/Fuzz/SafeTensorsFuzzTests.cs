using System.Buffers.Binary;
using System.Text;
using Arbor.IO;
using Arbor.Models.Clip;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Arbor.Tests.Fuzz;

/// <summary>
/// safetensors: random tensor sets round-trip; files with damaged bytes or edited headers are read right or refused, and
/// the CLIP tensor inputs (<c>clip embed --pixels/--tokens</c>) refuse wrong dtypes, shapes, values and missing EOS.
/// </summary>
public sealed class SafeTensorsFuzzTests(ITestOutputHelper output) : FuzzTests(output)
{
    static readonly ScalarType[] Types = [ScalarType.Float32, ScalarType.Float16, ScalarType.BFloat16, ScalarType.Float64,
        ScalarType.Int64, ScalarType.Int32, ScalarType.Int16, ScalarType.Int8, ScalarType.Byte, ScalarType.Bool];

    static Dictionary<string, Tensor> RandomTensors(Random rng)
    {
        var tensors = new Dictionary<string, Tensor>();
        int count = 1 + rng.Next(4);
        for (int i = 0; i < count; i++)
        {
            var shape = Enumerable.Range(0, rng.Next(4)).Select(_ => (long)rng.Next(4)).ToArray();
            var type = Types[rng.Next(Types.Length)];
            var t = type == ScalarType.Bool ? randint(0, 2, shape).to_type(type)
                : type is ScalarType.Float32 or ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Float64 ? randn(shape).to_type(type) : randint(-100, 100, shape).to_type(type);
            tensors[$"t{i}.w" + (rng.Next(3) == 0 ? "é" : "")] = t;
        }
        return tensors;
    }

    // Every value as a double (float types pass through float32, as the reader hands them out), flattened.
    static double[] Values(Tensor t)
    {
        if (t.numel() == 0) return [];
        using var flat = (t.is_floating_point() ? t.to_type(ScalarType.Float32) : t).to_type(ScalarType.Float64).reshape(-1);
        return flat.data<double>().ToArray();
    }

    byte[] WriteFile(Dictionary<string, Tensor> tensors, Dictionary<string, string>? metadata = null)
    {
        var path = Tmp.File($"w{Environment.CurrentManagedThreadId}.safetensors");
        SafeTensors.Write(path, tensors, metadata);
        return File.ReadAllBytes(path);
    }

    SafeTensorsContent ReadBytes(byte[] bytes)
    {
        var path = Tmp.File($"r{Environment.CurrentManagedThreadId}.safetensors");
        File.WriteAllBytes(path, bytes);
        return SafeTensors.Read(path);
    }

    static void CheckContent(SafeTensorsContent content)
    {
        foreach (var (name, t) in content)
        {
            Assert.False(string.IsNullOrEmpty(name));
            Assert.Equal(t.shape.Aggregate(1L, (a, b) => a * b), t.numel());
        }
    }

    [Fact]
    public void Random_tensor_sets_round_trip()
    {
        var tally = FuzzHarness.Run("safetensors-valid", FuzzSettings.Seed + 20, Math.Max(50, FuzzSettings.Iterations / 5),
            (rng, _) =>
            {
                using var scope = NewDisposeScope();
                var tensors = RandomTensors(rng);
                var bytes = WriteFile(tensors, rng.Next(2) == 0 ? null : new() { ["format"] = "pt", ["note"] = "ü" });
                var expected = tensors.ToDictionary(kv => kv.Key, kv => (kv.Value.shape, Values(kv.Value)));
                return (bytes, expected);
            },
            input => ReadBytes(input.bytes),
            (input, content) =>
            {
                Assert.Equal(input.expected.Keys.Order(), content.Keys.Order());
                foreach (var (name, (shape, values)) in input.expected)
                {
                    Assert.Equal(shape, content[name].shape);
                    Assert.Equal(values, Values(content[name]));
                }
            });
        Assert.Equal(0, tally.Refused);
    }

    // Valid files to mutate, written once (writing is atomic, and so slow on a busy disk).
    List<byte[]> Pool(int seed, int count, Func<Random, byte[]> make)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => make(rng)).ToList();
    }

    List<byte[]> TensorFiles(int seed) => Pool(seed, 24, rng =>
    {
        using var scope = NewDisposeScope();
        return WriteFile(RandomTensors(rng), rng.Next(2) == 0 ? null : new() { ["format"] = "pt" });
    });

    [Fact]
    public void Mutated_files_are_read_right_or_refused()
    {
        var pool = TensorFiles(FuzzSettings.Seed);
        var tally = FuzzHarness.Run("safetensors-bytes", FuzzSettings.Seed + 21, FuzzSettings.Iterations,
            (rng, _) => new Mutator(rng).Bytes(pool[rng.Next(pool.Count)]),
            ReadBytes, (_, content) => CheckContent(content), bytes => bytes);
        Output.WriteLine($"bytes: {tally.Total} files, {tally.Accepted} accepted, {tally.Refused} refused");
    }

    [Fact]
    public void Edited_headers_are_read_right_or_refused()
    {
        var pool = TensorFiles(FuzzSettings.Seed + 1);
        var tally = FuzzHarness.Run("safetensors-header", FuzzSettings.Seed + 22, FuzzSettings.Iterations,
            (rng, _) =>
            {
                var file = pool[rng.Next(pool.Count)];
                long length = BinaryPrimitives.ReadInt64LittleEndian(file);
                var header = Encoding.UTF8.GetString(file, 8, (int)length);
                var edited = new Mutator(rng).Text(header);
                var result = new byte[8 + edited.Length + (file.Length - 8 - (int)length)];
                BinaryPrimitives.WriteInt64LittleEndian(result, edited.Length);
                edited.CopyTo(result, 8);
                file.AsSpan(8 + (int)length).CopyTo(result.AsSpan(8 + edited.Length));
                return result;
            },
            ReadBytes, (_, content) => CheckContent(content), bytes => bytes);
        Output.WriteLine($"headers: {tally.Total} files, {tally.Accepted} accepted, {tally.Refused} refused");
    }

    [Theory]
    [InlineData("{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}", 3, "belong to no tensor")]
    [InlineData("{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[1,3]}}", 3, "gap")]
    [InlineData("{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]},\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[1,3]}}", 3, "overlap")]
    [InlineData("{\"__metadata__\":{\"n\":5},\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1, "must be a string")]
    [InlineData("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1, "twice")]
    [InlineData("{\"a\":{\"dtype\":\"U8\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1, "twice")]
    [InlineData(" {\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1, "starting with '{'")]
    [InlineData("{\"\\ud800\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1, "lone surrogate")]
    // Empty, but its strides overflow: found by the fuzzer (safetensors-header case 236) as libtorch's "Stride calculation overflowed".
    [InlineData("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},\"b\":{\"dtype\":\"I64\",\"shape\":[0,2,9223372036854775807],\"data_offsets\":[1,1]}}", 1, "impossibly large")]
    public void The_format_rules_hold(string header, int dataBytes, string problem)
    {
        var bytes = new byte[8 + Encoding.UTF8.GetByteCount(header) + dataBytes];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, Encoding.UTF8.GetByteCount(header));
        Encoding.UTF8.GetBytes(header).CopyTo(bytes, 8);
        var e = Assert.ThrowsAny<ArborException>(() => ReadBytes(bytes).Dispose());
        Assert.Contains(problem, e.Message);
    }

    // --- clip embed inputs -----------------------------------------------------------------------------------------

    static readonly ClipConfig Tiny = new()
    {
        Text = new ClipTextConfig { VocabSize = 50, MaxPositionEmbeddings = 8, EosTokenId = 49 },
        Vision = new ClipVisionConfig { ImageSize = 4, PatchSize = 2, NumChannels = 3 },
    };

    [Fact]
    public void Token_and_pixel_inputs_are_checked_or_refused()
    {
        var pool = Pool(FuzzSettings.Seed + 2, 40, rng =>
            {
                using var scope = NewDisposeScope();
                // Half the pool is valid input (so the accepted path is checked too), half breaks one or more rules.
                bool valid = rng.Next(2) == 0;
                long t = valid ? 1 + rng.Next(3) : rng.Next(4), l = valid ? 2 + rng.Next(7) : rng.Next(10);
                var ids = randint(0, valid || rng.Next(2) == 0 ? 49 : 60, [t, l]);
                if ((valid || rng.Next(2) == 0) && l > 0) ids[TensorIndex.Colon, l - 1] = tensor(49L);
                var idType = valid ? ScalarType.Int64 : new[] { ScalarType.Int64, ScalarType.Int32, ScalarType.Float32, ScalarType.Byte }[rng.Next(4)];
                var pixelShape = valid ? new long[] { 1 + rng.Next(2), 3, 4, 4 }
                    : new long[] { rng.Next(3), rng.Next(2) == 0 ? 3 : 1, rng.Next(2) == 0 ? 4 : 5, 4 };
                var pixels = randn(pixelShape);
                if (!valid && rng.Next(4) == 0 && pixels.numel() > 0) pixels.view(-1)[0] = tensor(float.NaN);
                var pixelType = valid ? new[] { ScalarType.Float32, ScalarType.Float16 }[rng.Next(2)]
                    : new[] { ScalarType.Float32, ScalarType.Float16, ScalarType.Int32, ScalarType.Byte }[rng.Next(4)];
                return WriteFile(new() { ["input_ids"] = ids.to_type(idType), ["pixel_values"] = pixels.to_type(pixelType) });
            });
        var tally = FuzzHarness.Run("clip-inputs", FuzzSettings.Seed + 23, FuzzSettings.Iterations,
            (rng, _) =>
            {
                var bytes = pool[rng.Next(pool.Count)];
                return rng.Next(3) == 0 ? new Mutator(rng).Bytes(bytes) : bytes;
            },
            bytes =>
            {
                using var content = ReadBytes(bytes);
                using var scope = NewDisposeScope();
                var ids = ClipTensorInputs.TokenIds(content, "x", Tiny);
                var pixels = ClipTensorInputs.Pixels(content, "x", Tiny);
                return (Ids: ids.data<long>().ToArray(), IdShape: ids.shape, PixelShape: pixels.shape,
                    Finite: pixels.isfinite().all().item<bool>());
            },
            (_, value) =>
            {
                Assert.All(value.Ids, id => Assert.InRange(id, 0, 49));
                Assert.InRange(value.IdShape[1], 2, 8);
                Assert.Equal([3L, 4, 4], value.PixelShape[1..]);
                Assert.True(value.Finite);
            },
            bytes => bytes);
        Output.WriteLine($"clip inputs: {tally.Total} files, {tally.Accepted} accepted, {tally.Refused} refused");
        Assert.True(tally.Accepted > 0, "no input was accepted, so the checks on accepted values never ran");
    }
}
