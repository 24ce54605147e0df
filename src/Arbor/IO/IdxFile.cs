using System.Buffers.Binary;

namespace Arbor.IO;

/// <summary>
/// One IDX array (the MNIST / Fashion-MNIST format): magic 0x00 0x00 type rank, then rank big-endian int32 dimensions,
/// then the data. Arbor reads only unsigned-byte arrays (type 0x08), raw or gzip-compressed.
/// </summary>
internal sealed class IdxFile
{
    /// <summary>Dimensions, e.g. [60000, 28, 28] for images or [60000] for labels.</summary>
    public int[] Shape { get; }

    /// <summary>The values, row-major.</summary>
    public byte[] Data { get; }

    /// <summary>The file it came from (for error messages).</summary>
    public string Source { get; }

    IdxFile(int[] shape, byte[] data, string source)
    {
        Shape = shape;
        Data = data;
        Source = source;
    }

    /// <summary>Reads a file; a name ending in .gz is decompressed. Errors name the file and what is wrong.</summary>
    public static IdxFile Read(string path)
    {
        if (!File.Exists(path)) throw new ArborException("IDX file not found", path);
        using var file = File.OpenRead(path);
        return Read(file, path, path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// Reads from a stream; <paramref name="source"/> names it in errors. The whole IDX array must be there and nothing
    /// after it: every dimension at least 1, the data exactly as long as the dimensions say (no trailing bytes), and a
    /// gzip stream complete with a matching CRC-32 and length in its trailer.
    /// </summary>
    public static IdxFile Read(Stream stream, string source, bool gzipped)
    {
        var file = ReadAll(stream, source);
        var bytes = gzipped ? GzipInput.Decompress(file, source, Array.MaxLength) : file;
        if (bytes.Length < 4) throw new ArborException($"truncated IDX file: {bytes.Length} bytes, no 4-byte header", source);
        if (bytes[0] != 0 || bytes[1] != 0)
            throw new ArborException($"not an IDX file: magic starts 0x{bytes[0]:x2}{bytes[1]:x2}, expected 0x0000", source);
        if (bytes[2] != 0x08)
            throw new ArborException($"IDX element type 0x{bytes[2]:x2} not supported (only unsigned bytes, 0x08)", source);
        int rank = bytes[3];
        if (rank is < 1 or > 4) throw new ArborException($"IDX rank {rank} not supported (1..4)", source);
        int dataStart = 4 + 4 * rank;
        if (bytes.Length < dataStart) throw new ArborException("truncated IDX file: header ends inside the dimensions", source);
        var shape = new int[rank];
        long total = 1;
        for (int i = 0; i < rank; i++)
        {
            shape[i] = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + 4 * i));
            if (shape[i] < 0) throw new ArborException($"IDX dimension {i} is negative ({shape[i]})", source);
            if (shape[i] == 0)
                throw new ArborException($"IDX dimension {i} is 0: {(i == 0 ? "no items" : "items of size 0")} ({string.Join("×", shape[..(i + 1)])}…)", source);
            total *= shape[i];
            if (total > InputLimits.IdxArrayBytes)
                throw new ArborException($"IDX dimensions {string.Join("×", shape[..(i + 1)])}… exceed the {InputLimits.IdxArrayBytes:N0}-value limit", source);
        }
        long held = bytes.Length - dataStart;
        if (held < total)
            throw new ArborException(
                $"truncated IDX file: header promises {string.Join("×", shape)} = {total} values, data holds {held}", source);
        if (held > total)
            throw new ArborException(
                $"IDX file has {held - total} bytes after the {string.Join("×", shape)} = {total} values its header describes", source);
        var data = dataStart == 0 ? bytes : bytes.AsSpan(dataStart).ToArray();
        return new IdxFile(shape, data, source);
    }

    // The stream's bytes, refusing anything larger than an IDX array could be (checked before reading when the length is known).
    static byte[] ReadAll(Stream stream, string source)
    {
        long limit = InputLimits.IdxArrayBytes;
        if (stream.CanSeek)
        {
            long length = stream.Length - stream.Position;
            if (length > limit) throw new ArborException($"file is {length:N0} bytes, over the {limit:N0}-byte IDX limit", source);
            var bytes = new byte[length];
            if (ReadFully(stream, bytes) < length) throw new ArborException("file shrank while being read", source);
            return bytes;
        }
        using var copy = new MemoryStream();
        var buffer = new byte[81920];
        for (int n; (n = stream.Read(buffer)) > 0;)
        {
            if (copy.Length + n > limit) throw new ArborException($"stream is over the {limit:N0}-byte IDX limit", source);
            copy.Write(buffer, 0, n);
        }
        return copy.ToArray();
    }

    static int ReadFully(Stream s, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = s.Read(buffer[total..]);
            if (n == 0) break;
            total += n;
        }
        return total;
    }
}
