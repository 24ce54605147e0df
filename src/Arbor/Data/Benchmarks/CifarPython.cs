using Arbor.Hierarchy;
using Arbor.IO;

namespace Arbor.Data.Benchmarks;

/// <summary>
/// Reads one batch of CIFAR's python version: a pickled dict with <c>data</c> (uint8 array [N, 3072], the red, green and
/// blue 32×32 planes) and a label list per level. Every problem names the file.
/// </summary>
internal static class CifarPython
{
    public const int Pixels = 3 * 32 * 32;

    public static PickledDict Dict(string path)
    {
        if (!File.Exists(path)) throw new DatasetException("CIFAR python batch not found", path);
        return PickleReader.Load(path) as PickledDict ?? throw new DatasetException("expected a pickled dict", path);
    }

    public static object? Field(PickledDict dict, string key, string path) =>
        dict.TryGet(key, out var v) ? v
            : throw new DatasetException($"no '{key}' entry (has {string.Join(", ", dict.Keys)})", path);

    public static List<string> Names(PickledDict dict, string key, string path) =>
        Field(dict, key, path) is List<object?> list ? list.Select(v => PickleReader.Text(v, path)).ToList()
            : throw new DatasetException($"'{key}' is not a list", path);

    public static int[] Labels(PickledDict dict, string key, int count, int classes, string path)
    {
        var labels = Field(dict, key, path) switch
        {
            List<object?> list => list.Select(v => v is long l ? l : throw new DatasetException($"'{key}' holds {PickleReader.Describe(v)}", path)).ToArray(),
            PickledArray { Shape.Length: 1 } a when a.DType is "|u1" or "<i8" or "<i4" => ArrayValues(a),
            var other => throw new DatasetException($"'{key}' is {PickleReader.Describe(other)}, expected a list of ints", path),
        };
        if (labels.Length != count) throw new DatasetException($"{count} images but {labels.Length} '{key}'", path);
        for (int i = 0; i < labels.Length; i++)
            if (labels[i] < 0 || labels[i] >= classes)
                throw new DatasetException($"'{key}' {labels[i]} is not in 0..{classes - 1}", path, index: i);
        return labels.Select(l => (int)l).ToArray();
    }

    static long[] ArrayValues(PickledArray a) => a.DType switch
    {
        "|u1" => a.Data.Select(b => (long)b).ToArray(),
        "<i4" => Enumerable.Range(0, a.Data.Length / 4).Select(i => (long)BitConverter.ToInt32(a.Data, 4 * i)).ToArray(),
        _ => Enumerable.Range(0, a.Data.Length / 8).Select(i => BitConverter.ToInt64(a.Data, 8 * i)).ToArray(),
    };

    public static byte[] Data(PickledDict dict, string path)
    {
        if (Field(dict, "data", path) is not PickledArray { DType: "|u1", Shape: [_, Pixels] } array)
            throw new DatasetException($"'data' is {PickleReader.Describe(dict.TryGet("data", out var d) ? d : null)}, expected uint8 [N, {Pixels}]", path);
        return array.Data;
    }

    /// <summary>Checks that a file's class names are the hierarchy's names at a level, in order.</summary>
    public static void CheckNames(IReadOnlyList<string> names, ClassHierarchy hierarchy, int level, string path)
    {
        var expected = hierarchy.NodesAt(level).Select(n => n.Name).ToList();
        if (names.Count != expected.Count)
            throw new DatasetException($"{names.Count} class names at level {level}, the {hierarchy.Name} hierarchy has {expected.Count}", path);
        for (int i = 0; i < names.Count; i++)
            if (BenchmarkFiles.Key(names[i]) != BenchmarkFiles.Key(expected[i]))
                throw new DatasetException($"class {i} is '{names[i]}', the {hierarchy.Name} hierarchy calls it '{expected[i]}'", path);
    }
}
