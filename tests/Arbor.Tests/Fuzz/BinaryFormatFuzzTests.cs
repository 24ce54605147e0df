using System.Buffers.Binary;
using System.IO.Compression;
using Arbor.Data;
using Arbor.Hierarchy;
using Arbor.IO;
using Xunit.Abstractions;

namespace Arbor.Tests.Fuzz;

/// <summary>IDX (raw and gzip) and CIFAR-100 binary: random arrays round-trip; damaged files are read right or refused.</summary>
public sealed class BinaryFormatFuzzTests(ITestOutputHelper output) : FuzzTests(output)
{
    static (int[] Shape, byte[] Data) RandomArray(Random rng)
    {
        int rank = 1 + rng.Next(3);
        var shape = Enumerable.Range(0, rank).Select(_ => 1 + rng.Next(6)).ToArray();
        var data = new byte[shape.Aggregate(1, (a, b) => a * b)];
        rng.NextBytes(data);
        return (shape, data);
    }

    static byte[] Idx(int[] shape, byte[] data)
    {
        var bytes = new byte[4 + 4 * shape.Length + data.Length];
        bytes[2] = 0x08;
        bytes[3] = (byte)shape.Length;
        for (int i = 0; i < shape.Length; i++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), shape[i]);
        data.CopyTo(bytes, 4 + 4 * shape.Length);
        return bytes;
    }

    static byte[] Gzip(byte[] raw)
    {
        using var memory = new MemoryStream();
        using (var gzip = new GZipStream(memory, CompressionLevel.Fastest)) gzip.Write(raw);
        return memory.ToArray();
    }

    static void CheckIdx(IdxFile idx)
    {
        Assert.All(idx.Shape, d => Assert.True(d > 0));
        Assert.Equal(idx.Shape.Aggregate(1L, (a, b) => a * b), idx.Data.LongLength);
    }

    public static TheoryData<bool> Compression => new() { false, true };

    [Theory]
    [MemberData(nameof(Compression))]
    public void Random_idx_arrays_round_trip(bool gzipped)
    {
        var tally = FuzzHarness.Run($"idx-valid-gz{gzipped}", FuzzSettings.Seed + 10, Math.Max(50, FuzzSettings.Iterations / 5),
            (rng, _) => RandomArray(rng),
            array =>
            {
                var raw = Idx(array.Shape, array.Data);
                return IdxFile.Read(new MemoryStream(gzipped ? Gzip(raw) : raw), "fuzz", gzipped);
            },
            (array, idx) =>
            {
                Assert.Equal(array.Shape, idx.Shape);
                Assert.Equal(array.Data, idx.Data);
            });
        Assert.Equal(0, tally.Refused);
    }

    [Theory]
    [MemberData(nameof(Compression))]
    public void Mutated_idx_files_are_read_right_or_refused(bool gzipped)
    {
        var tally = FuzzHarness.Run($"idx-gz{gzipped}", FuzzSettings.Seed + 11, FuzzSettings.Iterations,
            (rng, _) =>
            {
                var (shape, data) = RandomArray(rng);
                var raw = Idx(shape, data);
                var file = gzipped ? Gzip(raw) : raw;
                return (Original: raw, Mutant: new Mutator(rng).Bytes(file));
            },
            pair => IdxFile.Read(new MemoryStream(pair.Mutant), "fuzz", gzipped),
            (pair, idx) =>
            {
                CheckIdx(idx);
                // A gzip stream that still verifies must hold a well-formed IDX array; a raw one is what it says.
                if (!gzipped) Assert.Equal(pair.Mutant.AsSpan(4 + 4 * idx.Shape.Length).ToArray(), idx.Data);
            },
            pair => pair.Mutant);
        Output.WriteLine($"idx gzip={gzipped}: {tally.Total} mutated files, {tally.Accepted} accepted, {tally.Refused} refused");
    }

    [Fact]
    public void Gzip_damage_is_caught_by_the_trailer()
    {
        var raw = Idx([3, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
        var gz = Gzip(raw);
        ArborException Fails(byte[] bytes) => Assert.ThrowsAny<ArborException>(() => IdxFile.Read(new MemoryStream(bytes), "x.gz", true));
        Assert.Contains("trailer", Fails(gz[..^8]).Message + Fails(gz[..^4]).Message);           // trailer missing or cut
        var flipped = (byte[])gz.Clone();
        flipped[^5] ^= 1;                                                                          // CRC damaged
        Assert.Contains("corrupt gzip", Fails(flipped).Message);
        Assert.Contains("corrupt gzip", Fails([.. gz, .. gz]).Message);                           // a second member
        Assert.Contains("is 0", Assert.ThrowsAny<ArborException>(() => IdxFile.Read(new MemoryStream(Idx([0, 28, 28], [])), "x", false)).Message);
        Assert.Contains("after", Assert.ThrowsAny<ArborException>(() => IdxFile.Read(new MemoryStream([.. raw, 0]), "x", false)).Message);
        // Found by the long fuzz run: an extra-field length pointing past the end, then a name flag (was an IndexOf crash).
        byte[] header = [0x1f, 0x8b, 8, 0x04 | 0x08, 0, 0, 0, 0, 0, 0, 0xff, 0xff, .. new byte[10]];
        Assert.Contains("extra field", Fails(header).Message);
    }

    [Fact]
    public void Mutated_cifar_files_are_read_right_or_refused()
    {
        var hierarchy = BuiltInHierarchies.Cifar100();
        Files("cifar-100", 12, "train.bin",
            rng =>
            {
                int n = 1 + rng.Next(3);
                var bytes = new byte[n * Cifar100.RecordSize];
                rng.NextBytes(bytes);
                for (int r = 0; r < n; r++)
                {
                    int fine = rng.Next(100);
                    bytes[r * Cifar100.RecordSize] = (byte)hierarchy.AncestorAt(fine, 1);
                    bytes[r * Cifar100.RecordSize + 1] = (byte)fine;
                }
                return rng.Next(5) == 0 ? bytes : new Mutator(rng).Bytes(bytes);
            },
            path => Cifar100.Read(path, hierarchy, "fuzz"),
            (bytes, set) =>
            {
                Assert.Equal(bytes.Length / Cifar100.RecordSize, set.Count);
                Assert.All(set.Leaves, leaf => Assert.InRange(leaf, 0, 99));
            });
    }
}
