using System.Security.Cryptography;
using System.Text;
using Arbor.IO;

namespace Arbor.Data.Points;

/// <summary>
/// The original ModelNet meshes: <c>&lt;class&gt;/train/*.off</c> and <c>&lt;class&gt;/test/*.off</c>. Each mesh is sampled
/// uniformly by triangle area to N points (a generator seeded by the file's class and position, so the same files give the
/// same clouds), centred, scaled into the unit sphere and turned from ModelNet's z-up to y-up ((x, y, z) → (x, z, −y)).
/// Sampling thousands of meshes takes minutes, so the clouds are cached in <c>$ARBOR_DATA/cache/modelnet-off/</c>, keyed
/// by the folder, N, and every file's name, size and modification time (any change re-samples).
/// </summary>
internal static class ModelNetOff
{
    const string Magic = "ARBOROFF";

    /// <summary>True when <paramref name="dir"/> has a class folder with a train or test folder holding .off files.</summary>
    public static bool IsPresent(string dir) =>
        Directory.EnumerateDirectories(dir).Any(c => new[] { "train", "test" }.Any(s =>
            Directory.Exists(Path.Combine(c, s)) && Directory.EnumerateFiles(Path.Combine(c, s), "*.off").Any()));

    public static RawClouds Read(string dir, int points)
    {
        var names = Directory.EnumerateDirectories(dir).Select(Path.GetFileName).OfType<string>()
            .Where(c => Directory.Exists(Path.Combine(dir, c, "train")) || Directory.Exists(Path.Combine(dir, c, "test")))
            .Order(StringComparer.Ordinal).ToArray();
        if (names.Length > ModelNetLimits.MaxClasses) throw new DatasetException($"{names.Length} class folders; at most {ModelNetLimits.MaxClasses}", dir);
        return new RawClouds(names, dir, ReadSplit(dir, names, "train", points), ReadSplit(dir, names, "test", points));
    }

    static RawSplit ReadSplit(string dir, string[] classes, string split, int points)
    {
        var files = new List<(string Path, int Class)>();
        for (int c = 0; c < classes.Length; c++)
        {
            var folder = Path.Combine(dir, classes[c], split);
            if (Directory.Exists(folder))
                files.AddRange(Directory.EnumerateFiles(folder, "*.off").Order(StringComparer.Ordinal).Select(f => (f, c)));
        }
        if (files.Count == 0) throw new DatasetException($"no {split} meshes (<class>/{split}/*.off)", dir);
        if (files.Count > ModelNetLimits.MaxClouds || (long)files.Count * 3 * points > ModelNetLimits.MaxValues)
            throw new DatasetException($"{files.Count:N0} meshes of {points} points do not fit in memory as one array", dir);
        var labels = files.Select(f => f.Class).ToArray();
        var sources = files.Select(f => f.Path).ToArray();
        var cache = CachePath(dir, split, points, files.Select(f => f.Path));
        if (ReadCache(cache, files.Count, points) is { } cached) return new RawSplit(cached, labels, sources);

        var xyz = new float[(long)files.Count * 3 * points];
        ParallelReads.For(files.Count, i =>
        {
            var random = new Random(BatchLoader.MixSeed(split == "train" ? 0 : 1, files[i].Class, i));
            var cloud = OffMesh.SampleCloud(files[i].Path, points, random);
            cloud.CopyTo(xyz, (long)i * 3 * points);
        });
        try
        {
            WriteCache(cache, xyz, files.Count, points);
        }
        catch (IOException) { }            // a read-only cache folder only costs the next run the sampling again
        catch (UnauthorizedAccessException) { }
        return new RawSplit(xyz, labels, sources);
    }

    /// <summary>The cache file of a split: a hash of the folder, the point count and every file's name, size and time.</summary>
    internal static string CachePath(string dir, string split, int points, IEnumerable<string> files)
    {
        var key = new StringBuilder().Append(Path.GetFullPath(dir)).Append('\n').Append(split).Append('\n').Append(points).Append('\n');
        foreach (var f in files)
        {
            var info = new FileInfo(f);
            key.Append(f).Append('\t').Append(info.Length).Append('\t').Append(info.LastWriteTimeUtc.Ticks).Append('\n');
        }
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key.ToString())))[..24].ToLowerInvariant();
        return Path.Combine(DatasetOptions.DataHome, "cache", "modelnet-off", $"{split}-{points}-{hash}.bin");
    }

    /// <summary>The cached clouds, or null when there is no cache or it does not match (then it is rebuilt).</summary>
    static float[]? ReadCache(string path, int clouds, int points)
    {
        var info = new FileInfo(path);
        long values = (long)clouds * 3 * points;
        if (!info.Exists || info.Length != 16 + 4 * values) return null;
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream);
        if (Encoding.ASCII.GetString(reader.ReadBytes(8)) != Magic || reader.ReadInt32() != clouds || reader.ReadInt32() != points) return null;
        var xyz = new float[values];
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(xyz.AsSpan());
        if (stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false) != bytes.Length) return null;
        return xyz.All(float.IsFinite) ? xyz : null;
    }

    static void WriteCache(string path, float[] xyz, int clouds, int points)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.Write(path, stream =>
        {
            using var writer = new BinaryWriter(stream, Encoding.ASCII, leaveOpen: true);
            writer.Write(Encoding.ASCII.GetBytes(Magic));
            writer.Write(clouds);
            writer.Write(points);
            writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(xyz.AsSpan()));
        });
    }
}
