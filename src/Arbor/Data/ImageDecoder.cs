using System.Runtime.InteropServices;
using SkiaSharp;

namespace Arbor.Data;

/// <summary>How a decoded image of any size becomes a square of the target size.</summary>
public enum ResizeMode
{
    /// <summary>Scale the shorter side to the target, then crop the centre (CLIP's evaluation transform).</summary>
    ShorterSideThenCenterCrop,
    /// <summary>Scale both sides to the target, ignoring the aspect ratio.</summary>
    Stretch,
}

/// <summary>
/// The one decoder of image files: PNG (8/16-bit, grayscale, palette, alpha), JPEG (including CMYK), WebP, GIF (first
/// frame) and BMP, decoded with SkiaSharp's codec into RGB channel planes at the file's own size. Transparent pixels are
/// composited over white. Decoding is strict: a file Skia can only partly decode (truncated or corrupt pixel data) is an
/// error naming the file, never an image with a grey or black remainder; so is an image above
/// <see cref="MaxPixels"/> (a decompression bomb: a few KB of PNG can claim gigapixels).
/// Resizing happens afterwards, in torch, in <see cref="BatchLoader"/> — one path for every dataset.
/// </summary>
public static class ImageDecoder
{
    /// <summary>Pillow's default limit (<c>Image.MAX_IMAGE_PIXELS</c>): 89,478,485 pixels, e.g. about 9,459 × 9,459.</summary>
    public const long DefaultMaxPixels = 89_478_485;

    /// <summary>Largest width × height decoded (process-wide); larger images are refused before any pixel is decoded.</summary>
    public static long MaxPixels { get; set; } = DefaultMaxPixels;

    /// <summary>File extensions the decoder reads (lower case, with the dot).</summary>
    public static IReadOnlyList<string> Extensions { get; } = new[] { ".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp" };

    /// <summary>Decodes a file at its own size: (width, height, RGB planes). Missing, corrupt or truncated files name the file.</summary>
    public static (int Width, int Height, byte[] Planes) Decode(string path)
    {
        if (!File.Exists(path)) throw new DatasetException("image file not found", path);
        SKCodec? codec;
        SKCodecResult result;
        try { codec = SKCodec.Create(path, out result); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DatasetException($"cannot read image ({e.Message})", path, inner: e);
        }
        using (codec)
        {
            if (codec is null)
                throw new DatasetException(new FileInfo(path).Length == 0 ? "the image file is empty"
                    : result == SKCodecResult.IncompleteInput ? "truncated image: the file ends inside its header"
                    : $"cannot decode image: not a PNG, JPEG, WebP, GIF or BMP file, or its header is corrupt ({result})", path);
            int width = codec.Info.Width, height = codec.Info.Height;
            if (width <= 0 || height <= 0) throw new DatasetException($"image has no pixels ({width}×{height})", path);
            long pixels = (long)width * height;
            if (pixels > MaxPixels)
                throw new DatasetException($"image is {width}×{height} ({pixels / 1e6:F1} megapixels), above the limit of " +
                                           $"{MaxPixels / 1e6:F1} megapixels (ImageDecoder.MaxPixels); a decompression bomb?", path);
            var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
            var rgba = GC.AllocateUninitializedArray<byte>(checked(4 * width * height));
            var handle = GCHandle.Alloc(rgba, GCHandleType.Pinned);
            try
            {
                // Frame 0 (the first frame of a GIF or animated WebP); Skia converts 16-bit, gray, palette and CMYK to RGBA.
                result = codec.GetPixels(info, handle.AddrOfPinnedObject());
            }
            finally { handle.Free(); }
            if (result != SKCodecResult.Success)
                throw new DatasetException(result == SKCodecResult.IncompleteInput
                    ? "truncated image: the file ends before all pixels are decoded"
                    : $"corrupt image data ({result})", path);
            return (width, height, ToPlanes(rgba, width * height));
        }
    }

    /// <summary>Reads only the header: the image's width and height (fast; does not prove the pixel data is intact).</summary>
    public static (int Width, int Height) ReadSize(string path)
    {
        using var codec = SKCodec.Create(path, out var result)
            ?? throw new DatasetException($"cannot decode image header ({result})", path);
        return (codec.Info.Width, codec.Info.Height);
    }

    /// <summary>Straight-alpha RGBA → RGB planes composited over white.</summary>
    static byte[] ToPlanes(byte[] rgba, int plane)
    {
        var planes = GC.AllocateUninitializedArray<byte>(3 * plane);
        for (int i = 0; i < plane; i++)
        {
            int a = rgba[4 * i + 3];
            if (a == 255)
            {
                planes[i] = rgba[4 * i];
                planes[plane + i] = rgba[4 * i + 1];
                planes[2 * plane + i] = rgba[4 * i + 2];
            }
            else
            {
                int white = 255 * (255 - a) + 127;
                planes[i] = (byte)((rgba[4 * i] * a + white) / 255);
                planes[plane + i] = (byte)((rgba[4 * i + 1] * a + white) / 255);
                planes[2 * plane + i] = (byte)((rgba[4 * i + 2] * a + white) / 255);
            }
        }
        return planes;
    }
}
