using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.IO;

/// <summary>
/// Reads and writes the safetensors format (u64 little-endian header length, JSON header, raw little-endian data).
/// Reading validates the whole header against the file before touching any data (see <see cref="SafeTensorsHeader"/>)
/// and reads each tensor with one positioned read straight into the tensor's memory. Floating-point tensors (F64, F32,
/// F16, BF16) come back as float32; integer and bool tensors keep their type. Tensors are on the CPU and owned by the
/// caller (they are created in whatever dispose scope is current).
/// </summary>
internal static class SafeTensors
{
    /// <summary>Reads every tensor of a file.</summary>
    public static SafeTensorsContent Read(string path) => Read(SafeTensorsHeader.Read(path), null);

    /// <summary>Reads the named tensors of an already-read header (all when <paramref name="names"/> is null).</summary>
    public static SafeTensorsContent Read(SafeTensorsHeader header, IEnumerable<string>? names)
    {
        var selected = names?.Select(n => header.Entries.TryGetValue(n, out var e) ? e
            : throw new ArborException($"no tensor named '{n}'", header.Path)).ToList() ?? header.Entries.Values.ToList();
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var dtypes = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            using var handle = File.OpenHandle(header.Path, FileMode.Open, FileAccess.Read, FileShare.Read);
            foreach (var entry in selected)
            {
                tensors[entry.Name] = ReadTensor(handle, header, entry);
                dtypes[entry.Name] = entry.DType;
            }
        }
        catch
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw;
        }
        return new SafeTensorsContent(tensors, dtypes, header.Metadata);
    }

    /// <summary>Reads one tensor by name.</summary>
    public static Tensor ReadTensor(string path, string name)
    {
        var header = SafeTensorsHeader.Read(path);
        if (!header.Entries.TryGetValue(name, out var entry)) throw new ArborException($"no tensor named '{name}'", path);
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return ReadTensor(handle, header, entry);
    }

    static Tensor ReadTensor(Microsoft.Win32.SafeHandles.SafeFileHandle handle, SafeTensorsHeader header, SafeTensorsEntry entry)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors reading needs a little-endian host");
        long length = entry.End - entry.Begin;
        if (length > int.MaxValue)
            throw new ArborException($"tensor '{entry.Name}' is {length} bytes; tensors over 2 GB are not supported", header.Path);
        var stored = torch.empty(entry.Shape, SafeTensorsDType.StoredType(entry.DType));
        try
        {
            if (length > 0)
            {
                // Tensor.bytes is a span over the tensor's own native memory: the file is read straight into it.
                var target = stored.bytes;
                long offset = header.DataStart + entry.Begin;
                int done = 0;
                while (done < target.Length)
                {
                    int n = RandomAccess.Read(handle, target[done..], offset + done);
                    if (n <= 0) throw new ArborException($"tensor '{entry.Name}': file ended while reading (truncated?)", header.Path);
                    done += n;
                }
            }
            if (!SafeTensorsDType.IsFloat(entry.DType) || entry.DType == "F32") return stored;
            var converted = stored.to_type(ScalarType.Float32);
            stored.Dispose();
            return converted;
        }
        catch
        {
            stored.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads a sharded checkpoint from its <c>*.safetensors.index.json</c> (<c>{"weight_map": {name: shard file}}</c>):
    /// every listed tensor from its shard, shards resolved beside the index.
    /// </summary>
    public static SafeTensorsContent ReadSharded(string indexPath)
    {
        if (!File.Exists(indexPath)) throw new ArborException("safetensors index not found", indexPath);
        var byShard = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        using (var doc = JsonInput.ReadFile(indexPath, InputLimits.ConfigFileBytes, "safetensors index"))
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object ||
                !doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
                throw new ArborException("index has no 'weight_map' object", indexPath);
            foreach (var p in map.EnumerateObject())
            {
                if (p.Value.ValueKind != JsonValueKind.String)
                    throw new ArborException($"weight_map entry '{p.Name}' is not a file name", indexPath);
                var shard = p.Value.GetString()!;
                if (shard.Length == 0 || Path.IsPathRooted(shard) || shard.Split('/', '\\').Contains(".."))
                    throw new ArborException($"weight_map entry '{p.Name}' names an unsafe shard path '{shard}'", indexPath);
                if (!byShard.TryGetValue(shard, out var names)) byShard[shard] = names = new List<string>();
                names.Add(p.Name);
            }
        }

        var dir = Path.GetDirectoryName(Path.GetFullPath(indexPath))!;
        var parts = new List<SafeTensorsContent>();
        try
        {
            foreach (var (shard, names) in byShard)
            {
                var shardPath = Path.Combine(dir, shard);
                if (!File.Exists(shardPath)) throw new ArborException($"shard '{shard}' listed in the index is missing", indexPath);
                parts.Add(Read(SafeTensorsHeader.Read(shardPath), names));
            }
        }
        catch
        {
            foreach (var part in parts) part.Dispose();
            throw;
        }
        return SafeTensorsContent.Merge(parts);
    }

    /// <summary>
    /// Writes <paramref name="tensors"/> (any CPU tensors of float32, float16, bfloat16, float64 or integer/bool type) and
    /// optional string metadata atomically: the file appears complete or not at all. Tensors are written in name order.
    /// </summary>
    public static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors writing needs a little-endian host");
        var names = tensors.Keys.OrderBy(n => n, StringComparer.Ordinal).ToList();
        if (names.Contains("__metadata__")) throw new ArgumentException("'__metadata__' is reserved and cannot name a tensor");
        var header = new Dictionary<string, object>(StringComparer.Ordinal);
        if (metadata is { Count: > 0 }) header["__metadata__"] = metadata;
        long offset = 0;
        foreach (var name in names)
        {
            var t = tensors[name];
            long size = t.NumberOfElements * t.ElementSize;
            header[name] = new Dictionary<string, object>
            {
                ["dtype"] = SafeTensorsDType.Of(t.dtype),
                ["shape"] = t.shape,
                ["data_offsets"] = new[] { offset, offset + size },
            };
            offset += size;
        }
        var json = JsonSerializer.SerializeToUtf8Bytes(header);
        int padded = (json.Length + 7) / 8 * 8;   // data section starts 8-byte aligned, padded with spaces as the spec allows
        var headerBytes = new byte[padded];
        json.CopyTo(headerBytes, 0);
        headerBytes.AsSpan(json.Length).Fill((byte)' ');

        AtomicFile.Write(path, stream =>
        {
            stream.Write(BitConverter.GetBytes((ulong)padded));
            stream.Write(headerBytes);
            foreach (var name in names)
            {
                var t = tensors[name];
                if (t.NumberOfElements == 0) continue;
                using var contiguous = t.detach().cpu().contiguous();
                stream.Write(contiguous.bytes);
            }
        });
    }
}

/// <summary>Tensors read from safetensors, with the dtype each was stored as. Disposing disposes every tensor.</summary>
internal sealed class SafeTensorsContent : IReadOnlyDictionary<string, Tensor>, IDisposable
{
    readonly Dictionary<string, Tensor> _tensors;
    readonly Dictionary<string, string> _storedDTypes;

    internal SafeTensorsContent(Dictionary<string, Tensor> tensors, Dictionary<string, string> storedDTypes,
        IReadOnlyDictionary<string, string> metadata)
    {
        _tensors = tensors;
        _storedDTypes = storedDTypes;
        Metadata = metadata;
    }

    /// <summary>The header's <c>__metadata__</c> strings.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The safetensors dtype a tensor was stored as ("F16", "BF16", "F32", "I64", …).</summary>
    public string StoredDType(string name) => _storedDTypes[name];

    internal static SafeTensorsContent Merge(IEnumerable<SafeTensorsContent> parts)
    {
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var dtypes = new Dictionary<string, string>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in parts)
        {
            foreach (var (k, v) in part._tensors) tensors[k] = v;
            foreach (var (k, v) in part._storedDTypes) dtypes[k] = v;
            foreach (var (k, v) in part.Metadata) metadata[k] = v;
        }
        return new SafeTensorsContent(tensors, dtypes, metadata);
    }

    public Tensor this[string key] => _tensors.TryGetValue(key, out var t) ? t
        : throw new KeyNotFoundException($"no tensor named '{key}' (have: {string.Join(", ", _tensors.Keys.Take(8))}{(_tensors.Count > 8 ? ", …" : "")})");
    public IEnumerable<string> Keys => _tensors.Keys;
    public IEnumerable<Tensor> Values => _tensors.Values;
    public int Count => _tensors.Count;
    public bool ContainsKey(string key) => _tensors.ContainsKey(key);
    public bool TryGetValue(string key, out Tensor value) => _tensors.TryGetValue(key, out value!);
    public IEnumerator<KeyValuePair<string, Tensor>> GetEnumerator() => _tensors.GetEnumerator();
    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    public void Dispose()
    {
        foreach (var t in _tensors.Values) t.Dispose();
        _tensors.Clear();
    }
}
