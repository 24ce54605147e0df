using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Arbor.Hierarchy;
using Arbor.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Methods.Hgclip;

/// <summary>
/// Keeps computed image prototypes on disk so they are computed once per (checkpoint, dataset, hierarchy). The key is a
/// SHA-256 of the three identity strings the caller passes; any change gives another key and so a recomputation.
/// A file that does not validate (another key, wrong shape, truncated, corrupted payload, NaN/inf values, larger than any
/// table could be) is treated as a miss and rewritten — never an error, never read beyond its checked size.
/// </summary>
/// <remarks>
/// File format (little-endian): magic <c>ARBORPRT</c> (8 bytes), version u32 = 1, key (64 ASCII hex chars), rows i64,
/// cols i64, rows·cols float32, then the SHA-256 of that float payload (32 bytes). Written atomically.
/// </remarks>
public sealed class PrototypeCache
{
    static readonly byte[] Magic = "ARBORPRT"u8.ToArray();
    const uint Version = 1;
    const int KeyLength = 64;
    const int HeaderLength = 8 + 4 + KeyLength + 8 + 8;
    const int HashLength = 32;

    /// <summary>Folder holding the cache files.</summary>
    public string Folder { get; }

    public PrototypeCache(string folder) => Folder = folder;

    /// <summary>
    /// The cache key: SHA-256 (hex) over the three identities, each length-prefixed so that no two different triples
    /// collide by concatenation. Callers pass e.g. the checkpoint folder + its weights' size and date, the dataset name +
    /// split + sample count, and <see cref="HierarchyIdentity"/>.
    /// </summary>
    public static string Key(string checkpointIdentity, string datasetIdentity, string hierarchyIdentity)
    {
        var text = new StringBuilder();
        foreach (var part in new[] { checkpointIdentity, datasetIdentity, hierarchyIdentity })
            text.Append(part.Length).Append(':').Append(part).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>A canonical text of a hierarchy's structure (levels, nodes in global order with their parents).</summary>
    public static string HierarchyIdentity(ClassHierarchy hierarchy)
    {
        var text = new StringBuilder();
        text.Append(string.Join("\t", hierarchy.LevelNames)).Append('\n');
        foreach (var node in hierarchy.Nodes)
            text.Append(node.Level).Append('\t').Append(node.Parent).Append('\t').Append(node.Name).Append('\n');
        return text.ToString();
    }

    /// <summary>The file for a key.</summary>
    public string PathFor(string key) => Path.Combine(Folder, $"prototypes-{CheckKey(key)[..16]}.bin");

    /// <summary>
    /// Loads the prototypes stored under <paramref name="key"/>, or returns null when there is no valid file for it
    /// (missing, another key, <paramref name="expectedShape"/> differs, truncated, payload hash wrong).
    /// </summary>
    public Tensor? TryLoad(string key, long[]? expectedShape = null)
    {
        var path = PathFor(key);
        byte[] bytes;
        try
        {
            // A file larger than any prototype table could be is not ours: a miss, without reading it.
            if (new FileInfo(path).Length > HeaderLength + (long)int.MaxValue / 4 * 4 + HashLength) return null;
            bytes = File.ReadAllBytes(path);
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }

        if (bytes.Length < HeaderLength + HashLength || !bytes.AsSpan(0, 8).SequenceEqual(Magic)) return null;
        var span = bytes.AsSpan();
        if (BinaryPrimitives.ReadUInt32LittleEndian(span[8..]) != Version) return null;
        if (Encoding.ASCII.GetString(span.Slice(12, KeyLength)) != key) return null;
        long rows = BinaryPrimitives.ReadInt64LittleEndian(span[(12 + KeyLength)..]);
        long cols = BinaryPrimitives.ReadInt64LittleEndian(span[(20 + KeyLength)..]);
        if (rows <= 0 || cols <= 0 || rows > int.MaxValue / 4 / cols) return null;
        long payload = rows * cols * 4;
        if (bytes.Length != HeaderLength + payload + HashLength) return null;
        var data = span.Slice(HeaderLength, (int)payload);
        if (!SHA256.HashData(data).AsSpan().SequenceEqual(span.Slice(HeaderLength + (int)payload, HashLength))) return null;
        if (expectedShape is not null && !expectedShape.SequenceEqual(new[] { rows, cols })) return null;

        var values = new float[rows * cols];
        if (BitConverter.IsLittleEndian) data.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
        else for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(data[(i * 4)..]);
        if (!values.All(float.IsFinite)) return null;      // never stored by Save from a healthy model: recompute
        return torch.tensor(values, new[] { rows, cols });
    }

    /// <summary>Stores prototypes [N, P] under <paramref name="key"/> (atomically, replacing any older file).</summary>
    public void Save(string key, Tensor prototypes)
    {
        CheckKey(key);
        if (prototypes.dim() != 2) throw new ArgumentException($"prototypes must be [nodes, dim], got [{string.Join(", ", prototypes.shape)}]");
        using var scope = torch.NewDisposeScope();
        long rows = prototypes.shape[0], cols = prototypes.shape[1];
        var values = prototypes.detach().to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
        var payload = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(payload.AsSpan(i * 4), values[i]);

        var header = new byte[HeaderLength];
        Magic.CopyTo(header, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), Version);
        Encoding.ASCII.GetBytes(key).CopyTo(header, 12);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(12 + KeyLength), rows);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(20 + KeyLength), cols);
        var hash = SHA256.HashData(payload);
        AtomicFile.Write(PathFor(key), s =>
        {
            s.Write(header);
            s.Write(payload);
            s.Write(hash);
        });
    }

    /// <summary>
    /// The prototypes under <paramref name="key"/>: loaded when a valid file exists, else computed by
    /// <paramref name="compute"/> and saved. <paramref name="hit"/> tells which happened.
    /// </summary>
    public Tensor GetOrCompute(string key, Func<Tensor> compute, out bool hit, long[]? expectedShape = null)
    {
        var cached = TryLoad(key, expectedShape);
        hit = cached is not null;
        if (cached is not null) return cached;
        var computed = compute();
        Save(key, computed);
        return computed;
    }

    static string CheckKey(string key) =>
        key.Length == KeyLength && key.All(Uri.IsHexDigit)
            ? key
            : throw new ArgumentException($"a prototype cache key is 64 hex characters (from {nameof(PrototypeCache)}.{nameof(Key)}), got '{key}'");
}
