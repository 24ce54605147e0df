using System.Buffers.Binary;
using System.IO.Compression;

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

    /// <summary>Reads from a stream; <paramref name="source"/> names it in errors.</summary>
    public static IdxFile Read(Stream stream, string source, bool gzipped)
    {
        try
        {
            using var input = gzipped ? new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true) : stream;
            Span<byte> header = stackalloc byte[4];
            if (ReadFully(input, header) < 4) throw new ArborException("truncated IDX file: no 4-byte header", source);
            if (header[0] != 0 || header[1] != 0)
                throw new ArborException($"not an IDX file: magic starts 0x{header[0]:x2}{header[1]:x2}, expected 0x0000", source);
            if (header[2] != 0x08)
                throw new ArborException($"IDX element type 0x{header[2]:x2} not supported (only unsigned bytes, 0x08)", source);
            int rank = header[3];
            if (rank is < 1 or > 4) throw new ArborException($"IDX rank {rank} not supported (1..4)", source);
            var dims = new byte[4 * rank];
            if (ReadFully(input, dims) < dims.Length) throw new ArborException("truncated IDX file: header ends inside the dimensions", source);
            var shape = new int[rank];
            long total = 1;
            for (int i = 0; i < rank; i++)
            {
                shape[i] = BinaryPrimitives.ReadInt32BigEndian(dims.AsSpan(4 * i));
                if (shape[i] < 0) throw new ArborException($"IDX dimension {i} is negative ({shape[i]})", source);
                total *= shape[i];
            }
            if (total > Array.MaxLength) throw new ArborException($"IDX array too large ({total} values)", source);
            var data = new byte[total];
            int got = ReadFully(input, data);
            if (got < total)
                throw new ArborException(
                    $"truncated IDX file: header promises {string.Join("×", shape)} = {total} values, data holds {got}", source);
            return new IdxFile(shape, data, source);
        }
        catch (InvalidDataException e)
        {
            throw new ArborException($"corrupt gzip data ({e.Message})", source, e);
        }
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
