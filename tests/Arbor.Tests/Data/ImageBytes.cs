using System.Buffers.Binary;
using System.IO.Compression;
using SkiaSharp;

namespace Arbor.Tests.Data;

/// <summary>
/// Image files of every mode the decoder must read, written byte by byte where SkiaSharp cannot encode them (palette and
/// 16-bit PNG, GIF): tiny, and with known pixels.
/// </summary>
internal static class ImageBytes
{
    /// <summary>A PNG of raw scanlines (filter byte 0 added here) with the given colour type and bit depth.</summary>
    public static byte[] Png(int width, int height, byte colorType, byte bitDepth, byte[] scanlines, byte[]? palette = null)
    {
        var output = new MemoryStream();
        output.Write(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10 });
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = bitDepth;
        ihdr[9] = colorType;
        Chunk(output, "IHDR", ihdr);
        if (palette is not null) Chunk(output, "PLTE", palette);
        int rowBytes = scanlines.Length / height;
        var raw = new MemoryStream();
        for (int y = 0; y < height; y++)
        {
            raw.WriteByte(0);
            raw.Write(scanlines, y * rowBytes, rowBytes);
        }
        var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true)) z.Write(raw.ToArray());
        Chunk(output, "IDAT", compressed.ToArray());
        Chunk(output, "IEND", Array.Empty<byte>());
        return output.ToArray();
    }

    /// <summary>A 2×1 GIF with two frames: red, blue in the first; blue, red in the second.</summary>
    public static byte[] TwoFrameGif() => new byte[]
    {
        (byte)'G', (byte)'I', (byte)'F', (byte)'8', (byte)'9', (byte)'a', 2, 0, 1, 0, 0x80, 0, 0,
        0xFF, 0, 0, 0, 0, 0xFF,                                    // global palette: red, blue
        0x2C, 0, 0, 0, 0, 2, 0, 1, 0, 0, 2, 2, 0x44, 0x0A, 0,       // frame 1: LZW of [0, 1]
        0x2C, 0, 0, 0, 0, 2, 0, 1, 0, 0, 2, 2, 0x0C, 0x0A, 0,       // frame 2: LZW of [1, 0]
        0x3B,
    };

    /// <summary>Encodes a bitmap with Skia (PNG, JPEG, WebP).</summary>
    public static byte[] Encode(SKBitmap bitmap, SKEncodedImageFormat format, int quality = 100)
    {
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(format, quality);
        return data.ToArray();
    }

    /// <summary>A bitmap of one colour type filled by <paramref name="color"/>.</summary>
    public static SKBitmap Bitmap(int width, int height, Func<int, int, SKColor> color, SKColorType type = SKColorType.Rgba8888)
    {
        var bitmap = new SKBitmap(new SKImageInfo(width, height, type, SKAlphaType.Unpremul));
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                bitmap.SetPixel(x, y, color(x, y));
        return bitmap;
    }

    static void Chunk(Stream output, string type, byte[] data)
    {
        var header = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(header, data.Length);
        for (int i = 0; i < 4; i++) header[4 + i] = (byte)type[i];
        output.Write(header);
        output.Write(data);
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(header.AsSpan(4).ToArray().Concat(data).ToArray()));
        output.Write(crc);
    }

    static uint Crc32(byte[] bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320 ^ (crc >> 1) : crc >> 1;
        }
        return ~crc;
    }
}
