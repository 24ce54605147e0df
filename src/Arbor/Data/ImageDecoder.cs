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
/// The decoder of image files for every non-CLIP path: <see cref="DecodedImage.Load"/> (PNG 8/16-bit, grayscale, palette,
/// alpha; JPEG including CMYK; WebP; GIF's first frame; BMP — SkiaSharp's codec) turned into RGB channel planes at the
/// file's own size, transparent pixels composited over white (CLIP's preprocessor takes the <see cref="DecodedImage"/>
/// itself, as Pillow would see it). Decoding is strict: a file Skia can only partly decode (truncated or corrupt pixel data) is an
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
        var image = DecodedImage.Load(path);
        return (image.Width, image.Height, ToPlanes(image.Rgba, image.Width * image.Height));
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
