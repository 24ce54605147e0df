using System.Buffers.Binary;
using System.IO.Compression;

namespace Arbor.IO;

/// <summary>
/// Decompresses one gzip member (RFC 1952) and checks it completely: the header, the deflate data, and the trailer's
/// CRC-32 and length. .NET's GZipStream alone accepts a stream cut off before its trailer; this does not. The output
/// size comes from the trailer and is bounded before anything is allocated; data beyond what the trailer promises,
/// a second member, or trailing bytes are refused.
/// </summary>
public static class GzipInput
{
    const byte FlagHeaderCrc = 0x02, FlagExtra = 0x04, FlagName = 0x08, FlagComment = 0x10, FlagReserved = 0xE0;

    /// <summary>The decompressed bytes of <paramref name="gzip"/>; <paramref name="source"/> names it in errors.</summary>
    public static byte[] Decompress(byte[] gzip, string source, long maxBytes)
    {
        ArborException Bad(string problem) => new($"corrupt gzip data: {problem}", source);
        if (gzip.Length < 18) throw Bad($"{gzip.Length} bytes is shorter than a gzip header and trailer (truncated?)");
        if (gzip[0] != 0x1f || gzip[1] != 0x8b) throw Bad($"no gzip magic (starts 0x{gzip[0]:x2}{gzip[1]:x2}, expected 0x1f8b)");
        if (gzip[2] != 8) throw Bad($"compression method {gzip[2]} (only deflate, 8)");
        byte flags = gzip[3];
        if ((flags & FlagReserved) != 0) throw Bad($"reserved header flags set (0x{flags:x2})");
        int at = 10;
        if ((flags & FlagExtra) != 0)
        {
            if (at + 2 > gzip.Length) throw Bad("header ends inside the extra field");
            at += 2 + BinaryPrimitives.ReadUInt16LittleEndian(gzip.AsSpan(at));
            if (at > gzip.Length) throw Bad("header ends inside the extra field");
        }
        if ((flags & FlagName) != 0) at = SkipZeroTerminated(gzip, at) ?? throw Bad("header ends inside the file name");
        if ((flags & FlagComment) != 0) at = SkipZeroTerminated(gzip, at) ?? throw Bad("header ends inside the comment");
        if ((flags & FlagHeaderCrc) != 0) at += 2;
        if (at > gzip.Length - 8) throw Bad("header runs into the trailer (truncated?)");

        uint expectedCrc = BinaryPrimitives.ReadUInt32LittleEndian(gzip.AsSpan(gzip.Length - 8));
        uint expectedLength = BinaryPrimitives.ReadUInt32LittleEndian(gzip.AsSpan(gzip.Length - 4));
        if (expectedLength > maxBytes)
            throw new ArborException($"gzip trailer says {expectedLength:N0} decompressed bytes, over the {maxBytes:N0}-byte limit", source);
        // Deflate expands at most 1032:1, so a trailer promising more than that is a lie worth refusing before allocating.
        if (expectedLength > 1032L * (gzip.Length - 8 - at) + 1024)
            throw Bad($"trailer says {expectedLength:N0} bytes, more than {gzip.Length - 8 - at:N0} bytes of deflate data can hold");
        var output = new byte[expectedLength];
        try
        {
            // GZipStream over the whole file: it also reads any further member, so a second member or data after the
            // first shows up as output beyond the trailer's length (or as an error), never silently ignored.
            using var body = new MemoryStream(gzip, writable: false);
            using var stream = new GZipStream(body, CompressionMode.Decompress);
            int done = 0;
            while (done < output.Length)
            {
                int n = stream.Read(output, done, output.Length - done);
                if (n == 0)
                    throw Bad($"deflate data ends after {done:N0} bytes but the trailer says {expectedLength:N0} (truncated, or the trailer is missing)");
                done += n;
            }
            Span<byte> extra = stackalloc byte[1];
            if (stream.Read(extra) != 0)
                throw Bad($"deflate data holds more than the {expectedLength:N0} bytes the trailer says (the trailer is missing or wrong)");
        }
        catch (InvalidDataException e)
        {
            throw Bad(e.Message);
        }
        uint crc = Crc32.Compute(output);
        if (crc != expectedCrc)
            throw Bad($"CRC-32 0x{crc:x8} of the data differs from the trailer's 0x{expectedCrc:x8} (damaged, truncated or several members)");
        return output;
    }

    static int? SkipZeroTerminated(byte[] bytes, int at)
    {
        if (at >= bytes.Length) return null;
        int end = Array.IndexOf(bytes, (byte)0, at);
        return end < 0 ? null : end + 1;
    }
}
