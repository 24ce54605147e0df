using System.Buffers.Binary;
using System.IO.Compression;
using Arbor.Data.Benchmarks;
using Arbor.IO;
using Xunit.Abstractions;

namespace Arbor.Tests.Fuzz;

/// <summary>
/// The benchmark readers' own binary formats: MATLAB v5 MAT-files (the Stanford Cars devkit) and Python pickles (CIFAR's
/// python version). Damaged files read to a consistent value or are refused naming the file.
/// </summary>
public sealed class BenchmarkFilesFuzzTests(ITestOutputHelper output) : FuzzTests(output)
{
    static byte[] Fixture(params string[] path) => File.ReadAllBytes(TestPaths.Fixture(["benchmarks", .. path]));

    /// <summary>
    /// The devkit's three MAT-files, and each compressed one also stored uncompressed (header + the inflated element), so
    /// byte damage reaches the array parser and not only the deflate stream.
    /// </summary>
    static readonly Lazy<byte[][]> MatSeeds = new(() =>
    {
        var files = new[] { Fixture("stanford_cars", "devkit", "cars_meta.mat"), Fixture("stanford_cars", "devkit", "cars_train_annos.mat"),
            Fixture("stanford_cars", "cars_test_annos_withlabels.mat") };
        var seeds = new List<byte[]>(files);
        foreach (var file in files)
            if (BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(128)) == 15)
            {
                int size = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(132));
                using var z = new ZLibStream(new MemoryStream(file, 136, size), CompressionMode.Decompress);
                using var inflated = new MemoryStream();
                z.CopyTo(inflated);
                seeds.Add([.. file[..128], .. inflated.ToArray()]);
            }
        return seeds.ToArray();
    });

    /// <summary>Damage inside a compressed element: mutate the inflated array, compress it again.</summary>
    static byte[] Recompressed(byte[] uncompressed, Mutator mutator)
    {
        var inner = mutator.Bytes(uncompressed[128..]);
        var packed = new MemoryStream();
        using (var z = new ZLibStream(packed, CompressionLevel.Fastest, leaveOpen: true)) z.Write(inner);
        var tag = new byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(tag, 15);
        BinaryPrimitives.WriteInt32LittleEndian(tag.AsSpan(4), (int)packed.Length);
        return [.. uncompressed[..128], .. tag, .. packed.ToArray()];
    }

    /// <summary>Every array is what its class and dimensions say.</summary>
    static void CheckArray(MatArray a)
    {
        Assert.True(a.Dims.Length >= 2 && a.Dims.All(d => d >= 0));
        switch (a.Class)
        {
            case "cell":
                Assert.Equal(a.Count, a.Cells.Length);
                foreach (var cell in a.Cells) CheckArray(cell);
                break;
            case "struct":
                Assert.Equal(a.Count, a.Elements.Length);
                foreach (var field in a.Elements.SelectMany(e => e.Values)) CheckArray(field);
                break;
            case "char":
                // Rows of a multi-row char array are joined by '\n' (the characters themselves may be '\n' too).
                Assert.Equal(a.Count == 0 || a.Dims[0] <= 1 ? a.Count : a.Count + a.Dims[0] - 1, a.Text.Length);
                break;
            default:
                Assert.Equal(a.Count, a.Numbers.Length);
                break;
        }
    }

    [Fact]
    public void Damaged_mat_files_read_consistent_arrays_or_are_refused()
    {
        var seeds = MatSeeds.Value;
        Files("mat", 70, "cars.mat",
            rng =>
            {
                var seed = seeds[rng.Next(seeds.Length)];
                var mutator = new Mutator(rng);
                return rng.Next(4) == 0 && BinaryPrimitives.ReadInt32LittleEndian(seed.AsSpan(128)) == 14 ? Recompressed(seed, mutator) : mutator.Bytes(seed);
            },
            MatFile.Read, (_, variables) => { foreach (var array in variables.Values) CheckArray(array); });
    }

    [Fact]
    public void Hostile_mat_counts_and_nesting_are_refused_before_allocating()
    {
        // A cell array claiming 40,000 × 40,000 cells in a 200-byte file, and cells nested 2,000 deep.
        static byte[] Element(int type, byte[] body) =>
            [.. BitConverter.GetBytes(type), .. BitConverter.GetBytes(body.Length), .. body, .. new byte[(8 - body.Length % 8) % 8]];
        static byte[] Matrix(int classId, int[] dims, byte[] rest) => Element(14,
            [.. Element(6, [(byte)classId, 0, 0, 0, 0, 0, 0, 0]), .. Element(5, dims.SelectMany(BitConverter.GetBytes).ToArray()),
             .. Element(1, "x"u8.ToArray()), .. rest]);
        var header = new byte[128];
        "MATLAB 5.0 MAT-file"u8.CopyTo(header);
        header[126] = (byte)'I';
        header[127] = (byte)'M';
        var path = Tmp.File("hostile.mat");

        File.WriteAllBytes(path, [.. header, .. Matrix(1, [40_000, 40_000], new byte[64])]);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.Contains("does not fit", Assert.ThrowsAny<ArborException>(() => MatFile.Read(path)).Message);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
        var deep = Matrix(6, [0, 0], []);
        for (int i = 0; i < 2_000; i++) deep = Matrix(1, [1, 1], deep);
        File.WriteAllBytes(path, [.. header, .. deep]);
        Assert.Contains("nested deeper than", Assert.ThrowsAny<ArborException>(() => MatFile.Read(path)).Message);
        // A compressed element whose zlib header asks for a preset dictionary (FDICT; found by the long fuzz run).
        byte[] presetDictionary = [0x78, 0xBB, 1, 2, 3, 4, 0x63, 0x60, 0, 0];
        File.WriteAllBytes(path, [.. header, .. Element(15, presetDictionary)]);
        Assert.Contains("corrupt compressed element", Assert.ThrowsAny<ArborException>(() => MatFile.Read(path)).Message);
    }

    static readonly Lazy<byte[][]> PickleSeeds = new(() =>
    [
        Fixture("cifar-100-python", "meta"), Fixture("cifar-100-python", "test"), Fixture("cifar-100-python", "train"),
        Fixture("cifar-10-batches-py", "batches.meta"), Fixture("cifar-10-batches-py", "test_batch"),
    ]);

    /// <summary>What the CIFAR readers take from a batch or meta pickle: names, or pixels with labels in range.</summary>
    static (int Images, int Names) ReadCifar(string path)
    {
        var dict = CifarPython.Dict(path);
        int names = 0;
        foreach (var key in new[] { "fine_label_names", "coarse_label_names", "label_names" })
            if (dict.TryGet(key, out _)) names += CifarPython.Names(dict, key, path).Count;
        if (!dict.TryGet("data", out _)) return (0, names);
        var data = CifarPython.Data(dict, path);
        int n = data.Length / CifarPython.Pixels;
        foreach (var (key, classes) in new[] { ("fine_labels", 100), ("coarse_labels", 20), ("labels", 10) })
            if (dict.TryGet(key, out _)) CifarPython.Labels(dict, key, n, classes, path);
        return (n, names);
    }

    [Fact]
    public void Damaged_cifar_pickles_read_right_or_are_refused()
    {
        var seeds = PickleSeeds.Value;
        Files("pickle", 71, "batch", rng => new Mutator(rng).Bytes(seeds[rng.Next(seeds.Length)]), ReadCifar,
            (bytes, read) => Assert.True(read.Images * CifarPython.Pixels < bytes.Length && read.Names < bytes.Length));
    }

    [Theory]
    [InlineData(new byte[] { 0x80, 2, 0x8a, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9, (byte)'.' }, "wider than 64 bits")]            // LONG1 of 9 bytes
    [InlineData(new byte[] { 0x80, 4, 0x8d, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, (byte)'.' }, "out of range")] // SHORT_BINUNICODE8 length 2^64-1
    [InlineData(new byte[] { 0x80, 2, (byte)'K', 1, (byte)'K', 2, 0x93, (byte)'.' }, "expected a string")]              // STACK_GLOBAL on ints
    [InlineData(new byte[] { 0x80, 4, 0x8c, 1, 0xff, (byte)'.' }, "not valid UTF-8")]
    [InlineData(new byte[] { 0x80, 2, (byte)']', 0x94, (byte)'h', 0, (byte)'a', (byte)'.' }, null)]                         // a list that holds itself
    public void Hostile_pickles_are_refused_or_read_in_bounded_time(byte[] pickle, string? problem)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        if (problem is null) Assert.IsType<List<object?>>(PickleReader.Load(pickle, "p.pkl"));
        else Assert.Contains(problem, Assert.ThrowsAny<ArborException>(() => PickleReader.Load(pickle, "p.pkl")).Message);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2));
    }

    [Fact]
    public void Shared_and_deeply_nested_pickle_values_are_linear_or_refused()
    {
        // 60 levels of [x, x] sharing x through the memo: 2^60 items if copied naively.
        var shared = new List<byte> { 0x80, 2, (byte)']', 0x94, (byte)'0' };
        for (int i = 0; i < 60; i++)
            shared.AddRange(new byte[] { (byte)']', (byte)'h', (byte)i, (byte)'a', (byte)'h', (byte)i, (byte)'a', 0x94, (byte)'0' });
        shared.AddRange(new byte[] { (byte)'h', 60, (byte)'.' });
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var top = Assert.IsType<List<object?>>(PickleReader.Load(shared.ToArray(), "shared.pkl"));
        Assert.Same(top[0], top[1]);   // one finished copy per shared list
        var deep = new List<byte> { 0x80, 2 };
        for (int i = 0; i < 100_000; i++) deep.Add((byte)']');
        for (int i = 0; i < 99_999; i++) deep.Add((byte)'a');
        deep.Add((byte)'.');
        Assert.Contains("nested deeper", Assert.ThrowsAny<ArborException>(() => PickleReader.Load(deep.ToArray(), "deep.pkl")).Message);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
    }
}
