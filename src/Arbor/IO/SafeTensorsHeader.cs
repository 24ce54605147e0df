using System.Text.Json;

namespace Arbor.IO;

/// <summary>One tensor's entry in a safetensors header: stored dtype, shape, and byte range in the data section.</summary>
internal sealed record SafeTensorsEntry(string Name, string DType, long[] Shape, long Begin, long End)
{
    /// <summary>Number of elements (1 for a scalar).</summary>
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>
/// The parsed and validated header of a safetensors file, checked against the format's rules (those of the reference
/// implementation's <c>validate</c>): the header is a UTF-8 JSON object starting with '{' (space padding after it is
/// allowed), no key appears twice, <c>__metadata__</c> maps strings to strings, every entry has a known dtype, a shape of
/// non-negative integers (rank at most <see cref="MaxRank"/>) and data_offsets whose span equals shape × dtype size, and
/// the entries tile the data section exactly: sorted by offset they start at 0, leave no gap, do not overlap, and end at
/// the end of the file. Reading a tensor after this can never go out of bounds.
/// </summary>
internal sealed class SafeTensorsHeader
{
    /// <summary>Largest header accepted (the format's own reference implementation uses 100 MB).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>Most dimensions a tensor may have.</summary>
    public const int MaxRank = 16;

    /// <summary>The file the header was read from.</summary>
    public string Path { get; }

    /// <summary>Byte offset of the data section in the file (8 + header length).</summary>
    public long DataStart { get; }

    /// <summary>Entries by tensor name, in the header's order.</summary>
    public IReadOnlyDictionary<string, SafeTensorsEntry> Entries { get; }

    /// <summary>The free-form string metadata (<c>__metadata__</c>), empty when absent.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    SafeTensorsHeader(string path, long dataStart, IReadOnlyDictionary<string, SafeTensorsEntry> entries,
        IReadOnlyDictionary<string, string> metadata)
    {
        Path = path;
        DataStart = dataStart;
        Entries = entries;
        Metadata = metadata;
    }

    /// <summary>Reads and validates the header of <paramref name="path"/>.</summary>
    public static SafeTensorsHeader Read(string path)
    {
        if (!File.Exists(path)) throw new ArborException("safetensors file not found", path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
        long fileLength = stream.Length;
        if (fileLength < 8)
            throw new ArborException($"not a safetensors file: {fileLength} bytes, shorter than the 8-byte header length", path);
        Span<byte> lengthBytes = stackalloc byte[8];
        stream.ReadExactly(lengthBytes);
        ulong headerLength = BitConverter.ToUInt64(lengthBytes);
        if (headerLength > (ulong)(fileLength - 8))
            throw new ArborException(
                $"header length {headerLength} exceeds the file ({fileLength} bytes): truncated or not a safetensors file", path);
        if (headerLength > MaxHeaderBytes)
            throw new ArborException($"header length {headerLength} is larger than the {MaxHeaderBytes}-byte limit", path);
        if (headerLength < 2) throw new ArborException($"header length {headerLength} is too small for a JSON object", path);
        var json = new byte[headerLength];
        stream.ReadExactly(json);
        if (json[0] != (byte)'{')
            throw new ArborException($"header must be a JSON object starting with '{{', found byte 0x{json[0]:x2}: not a safetensors file", path);
        long dataStart = 8 + (long)headerLength;
        return Parse(path, json, dataStart, fileLength - dataStart);
    }

    static SafeTensorsHeader Parse(string path, byte[] json, long dataStart, long dataLength)
    {
        // Strict parsing: valid UTF-8, no duplicate keys, no lone-surrogate escapes (JsonInput), all errors naming the file.
        using var doc = JsonInput.Parse(TextInput.Decode(json, path, "safetensors header"), path, "safetensors header");
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
            throw new ArborException($"header must be a JSON object, found {doc.RootElement.ValueKind}", path);
        var entries = new Dictionary<string, SafeTensorsEntry>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in doc.RootElement.EnumerateObject())
        {
            if (property.Name == "__metadata__")
            {
                if (property.Value.ValueKind != JsonValueKind.Object)
                    throw new ArborException("__metadata__ must be an object of strings", path);
                foreach (var m in property.Value.EnumerateObject())
                    metadata[m.Name] = m.Value.ValueKind == JsonValueKind.String ? m.Value.GetString()!
                        : throw new ArborException($"__metadata__ value of '{m.Name}' must be a string, found {m.Value.ValueKind}", path);
                continue;
            }
            var entry = ParseEntry(path, property, dataLength);
            if (!entries.TryAdd(entry.Name, entry)) throw new ArborException($"tensor '{entry.Name}' appears twice", path);
        }
        CheckTiling(path, entries.Values, dataLength);
        return new SafeTensorsHeader(path, dataStart, entries, metadata);
    }

    static SafeTensorsEntry ParseEntry(string path, JsonProperty property, long dataLength)
    {
        string name = property.Name;
        var value = property.Value;
        ArborException Bad(string problem) => new($"tensor '{name}': {problem}", path);
        if (name.Length == 0) throw new ArborException("a tensor has an empty name", path);
        if (value.ValueKind != JsonValueKind.Object) throw Bad("entry must be an object with dtype, shape and data_offsets");
        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw Bad("missing or non-string 'dtype'");
        string dtype = dtypeElement.GetString()!;
        int elementSize = SafeTensorsDType.ElementSize(dtype);
        if (elementSize == 0) throw Bad($"unsupported dtype '{dtype}' (known: {SafeTensorsDType.Known})");

        if (!value.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
            throw Bad("missing or non-array 'shape'");
        if (shapeElement.GetArrayLength() > MaxRank) throw Bad($"shape has {shapeElement.GetArrayLength()} dimensions, more than {MaxRank}");
        var shape = new long[shapeElement.GetArrayLength()];
        int i = 0;
        foreach (var dim in shapeElement.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out long d) || d < 0)
                throw Bad($"shape {shapeElement.GetRawText()} must hold non-negative integers");
            shape[i++] = d;
        }

        if (!value.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array ||
            offsets.GetArrayLength() != 2)
            throw Bad("missing 'data_offsets' [begin, end]");
        if (offsets[0].ValueKind != JsonValueKind.Number || offsets[1].ValueKind != JsonValueKind.Number ||
            !offsets[0].TryGetInt64(out long begin) || !offsets[1].TryGetInt64(out long end) || begin < 0 || end < begin)
            throw Bad($"data_offsets {offsets.GetRawText()} are not a valid range");
        if (end > dataLength)
            throw Bad($"data_offsets {offsets.GetRawText()} lie beyond the data section ({dataLength} bytes): file truncated?");

        // span: the product over the non-zero dimensions. libtorch computes strides from it even when a zero dimension
        // makes the tensor empty ([0, 2, 2^63-1] holds no byte but overflows its strides), so it must fit too; and a
        // product that overflows cannot match a range that fits in the file anyway.
        long bytes = elementSize, span = elementSize;
        foreach (var d in shape)
        {
            if (d == 0) { bytes = 0; continue; }
            if (span > long.MaxValue / d) throw Bad($"shape {shapeElement.GetRawText()} is impossibly large");
            span *= d;
            bytes *= d;
        }
        if (bytes != end - begin)
            throw Bad($"shape {shapeElement.GetRawText()} × {dtype} needs {bytes} bytes but data_offsets span {end - begin}");
        return new SafeTensorsEntry(name, dtype, shape, begin, end);
    }

    // The data section holds exactly the tensors, back to back: no gap (unreferenced bytes), no overlap, nothing after.
    static void CheckTiling(string path, IEnumerable<SafeTensorsEntry> entries, long dataLength)
    {
        long expected = 0;
        SafeTensorsEntry? previous = null;
        foreach (var entry in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (entry.Begin < expected)
                throw new ArborException(
                    $"tensors '{previous!.Name}' [{previous.Begin}, {previous.End}) and '{entry.Name}' [{entry.Begin}, {entry.End}) overlap", path);
            if (entry.Begin > expected)
                throw new ArborException($"bytes [{expected}, {entry.Begin}) of the data section belong to no tensor " +
                    $"(a gap before '{entry.Name}')", path);
            expected = entry.End;
            previous = entry;
        }
        if (expected != dataLength)
            throw new ArborException($"the data section is {dataLength} bytes but its tensors end at byte {expected} " +
                "(trailing bytes belong to no tensor)", path);
    }
}
