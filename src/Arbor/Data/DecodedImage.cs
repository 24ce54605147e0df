using SkiaSharp;

namespace Arbor.Data;

/// <summary>
/// How an image file stores its pixels, in Pillow's terms (the mode <c>Image.open</c> gives it). Preprocessing that must
/// equal Pillow's needs it: Pillow resizes <see cref="Rgba"/>/<see cref="GrayAlpha"/> images with premultiplied alpha and
/// <see cref="Palette"/> images with nearest-neighbour sampling whatever filter is asked for.
/// </summary>
public enum PixelMode
{
    /// <summary>Three colour channels, no alpha (Pillow "RGB"; also RGB PNGs with a tRNS colour key).</summary>
    Rgb,
    /// <summary>Colour with an alpha channel (Pillow "RGBA": PNG colour type 6, WebP with alpha).</summary>
    Rgba,
    /// <summary>One grey channel (Pillow "L": grey PNG of 2–8 bits, grey JPEG).</summary>
    Gray,
    /// <summary>Grey with alpha (Pillow "LA": PNG colour type 4).</summary>
    GrayAlpha,
    /// <summary>Indexed colour or 1-bit (Pillow "P" or "1": palette PNG, GIF, 1-bit grey PNG).</summary>
    Palette,
}

/// <summary>
/// A decoded image: straight (not premultiplied) RGBA bytes, row-major, and the <see cref="PixelMode"/> of its source.
/// Grey images have R = G = B; images without alpha have A = 255.
/// </summary>
public sealed record DecodedImage(byte[] Rgba, int Width, int Height, PixelMode Mode)
{
    /// <summary>True when the alpha channel is part of the image (<see cref="PixelMode.Rgba"/>, <see cref="PixelMode.GrayAlpha"/>).</summary>
    public bool HasAlpha => Mode is PixelMode.Rgba or PixelMode.GrayAlpha;

    /// <summary>Decodes a PNG / JPEG / WebP / GIF / BMP file. Missing, unreadable or corrupt files fail naming the file.</summary>
    public static DecodedImage Load(string path)
    {
        if (!File.Exists(path)) throw new DatasetException("image file not found", path);
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (IOException e) { throw new DatasetException($"cannot read image ({e.Message})", path, inner: e); }
        return Decode(bytes, path);
    }

    /// <summary>Decodes an encoded image held in memory; <paramref name="source"/> names it in errors.</summary>
    public static DecodedImage Decode(byte[] encoded, string source)
    {
        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data)
            ?? throw new DatasetException("cannot decode image (corrupt, truncated or not PNG/JPEG/WebP/GIF/BMP)", source);
        var (width, height) = (codec.Info.Width, codec.Info.Height);
        if (width <= 0 || height <= 0) throw new DatasetException($"image has no pixels ({width}×{height})", source);
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var rgba = new byte[checked(width * height * 4)];
        var status = SKCodecResult.InvalidInput;
        unsafe
        {
            fixed (byte* p = rgba) status = codec.GetPixels(info, (IntPtr)p);
        }
        if (status != SKCodecResult.Success)
            throw new DatasetException($"cannot decode image ({status}: corrupt or truncated pixel data)", source);
        var mode = ModeOf(encoded, codec);
        if (mode is not (PixelMode.Rgba or PixelMode.GrayAlpha))
            for (int i = 3; i < rgba.Length; i += 4) rgba[i] = 255;   // a tRNS key is not alpha to Pillow's "RGB"/"L"/"P"
        return new DecodedImage(rgba, width, height, mode);
    }

    /// <summary>An image from channel planes ([channels, height, width], 1 = grey or 3 = RGB), e.g. an in-memory dataset's.</summary>
    public static DecodedImage FromPlanes(ReadOnlySpan<byte> planes, int channels, int width, int height)
    {
        if (channels is not (1 or 3)) throw new ArgumentException($"{channels} channels: planes must be grey (1) or RGB (3)");
        int plane = width * height;
        if (planes.Length != channels * plane) throw new ArgumentException($"{planes.Length} bytes is not {channels}×{height}×{width}");
        var rgba = new byte[4 * plane];
        for (int i = 0; i < plane; i++)
        {
            rgba[4 * i] = planes[i];
            rgba[4 * i + 1] = planes[channels == 3 ? plane + i : i];
            rgba[4 * i + 2] = planes[channels == 3 ? 2 * plane + i : i];
            rgba[4 * i + 3] = 255;
        }
        return new DecodedImage(rgba, width, height, channels == 3 ? PixelMode.Rgb : PixelMode.Gray);
    }

    /// <summary>Pillow's mode for the file: from the PNG header's colour type and bit depth, GIF is indexed, the rest from Skia.</summary>
    static PixelMode ModeOf(byte[] encoded, SKCodec codec)
    {
        ReadOnlySpan<byte> png = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
        if (encoded.Length >= 26 && encoded.AsSpan(0, 8).SequenceEqual(png))
        {
            int bitDepth = encoded[24], colourType = encoded[25];
            return colourType switch
            {
                0 => bitDepth == 1 ? PixelMode.Palette : PixelMode.Gray,
                2 => PixelMode.Rgb,
                3 => PixelMode.Palette,
                4 => PixelMode.GrayAlpha,
                _ => PixelMode.Rgba,
            };
        }
        if (codec.EncodedFormat == SKEncodedImageFormat.Gif) return PixelMode.Palette;
        bool gray = codec.Info.ColorType == SKColorType.Gray8;
        return codec.Info.AlphaType == SKAlphaType.Opaque ? gray ? PixelMode.Gray : PixelMode.Rgb : PixelMode.Rgba;
    }
}
