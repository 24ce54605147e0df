using Arbor.Data;
using Arbor.Tests.Data;
using SkiaSharp;
using Xunit.Abstractions;

namespace Arbor.Tests.Fuzz;

/// <summary>
/// Image files through the decoder every dataset uses (<see cref="ImageDecoder.Decode"/>): PNG of every colour type
/// and depth, JPEG, WebP, GIF and BMP. A damaged file decodes to a whole image within the pixel limit or is refused
/// naming the file — never a partly decoded image: a file cut before its last pixels is always refused.
/// </summary>
public sealed class ImageFileFuzzTests(ITestOutputHelper output) : FuzzTests(output)
{
    /// <summary>Small images of every kind the decoder reads, made once: (format, bytes).</summary>
    static readonly Lazy<(string Format, byte[] Bytes)[]> Seeds = new(() =>
    {
        var rng = new Random(7);
        var seeds = new List<(string, byte[])>();
        for (int k = 0; k < 4; k++)
        {
            int w = 3 + rng.Next(14), h = 3 + rng.Next(14);
            var pixels = new byte[w * h * 4];
            rng.NextBytes(pixels);
            using var bitmap = ImageBytes.Bitmap(w, h, (x, y) =>
            {
                int i = 4 * (y * w + x);
                return new SKColor(pixels[i], pixels[i + 1], pixels[i + 2], k % 2 == 0 ? (byte)255 : pixels[i + 3]);
            });
            seeds.Add(("png", ImageBytes.Encode(bitmap, SKEncodedImageFormat.Png)));
            seeds.Add(("jpeg", ImageBytes.Encode(bitmap, SKEncodedImageFormat.Jpeg, 80)));
            seeds.Add(("webp", ImageBytes.Encode(bitmap, SKEncodedImageFormat.Webp, 80)));
            seeds.Add(("webp-lossless", ImageBytes.Encode(bitmap, SKEncodedImageFormat.Webp, 100)));
            seeds.Add(("png-gray16", ImageBytes.Png(w, h, 0, 16, pixels[..(2 * w * h)])));
            seeds.Add(("png-palette", ImageBytes.Png(w, h, 3, 8, pixels[..(w * h)].Select(b => (byte)(b % 4)).ToArray(),
                palette: pixels[..12])));
            seeds.Add(("png-gray-alpha", ImageBytes.Png(w, h, 4, 8, pixels[..(2 * w * h)])));
            seeds.Add(("bmp", Bmp(w, h, pixels)));
        }
        seeds.Add(("gif", ImageBytes.TwoFrameGif()));
        return seeds.ToArray();
    });

    /// <summary>A 24-bit bottom-up BMP (Skia does not encode BMP).</summary>
    static byte[] Bmp(int w, int h, byte[] rgba)
    {
        int row = (3 * w + 3) & ~3, size = 54 + row * h;
        var b = new byte[size];
        b[0] = (byte)'B';
        b[1] = (byte)'M';
        BitConverter.GetBytes(size).CopyTo(b, 2);
        BitConverter.GetBytes(54).CopyTo(b, 10);
        BitConverter.GetBytes(40).CopyTo(b, 14);
        BitConverter.GetBytes(w).CopyTo(b, 18);
        BitConverter.GetBytes(h).CopyTo(b, 22);
        BitConverter.GetBytes((short)1).CopyTo(b, 26);
        BitConverter.GetBytes((short)24).CopyTo(b, 28);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < 3; c++)
                    b[54 + (h - 1 - y) * row + 3 * x + c] = rgba[4 * (y * w + x) + 2 - c];
        return b;
    }

    static void CheckImage((int Width, int Height, byte[] Planes) image)
    {
        Assert.True(image.Width > 0 && image.Height > 0);
        Assert.True((long)image.Width * image.Height <= ImageDecoder.MaxPixels);
        Assert.Equal(3 * image.Width * image.Height, image.Planes.Length);
    }

    [Fact]
    public void Every_seed_decodes_and_a_png_keeps_its_pixels()
    {
        var path = Tmp.File("seed");
        foreach (var (format, bytes) in Seeds.Value)
        {
            File.WriteAllBytes(path, bytes);
            CheckImage(ImageDecoder.Decode(path));
        }
        // Lossless round trip: the decoded planes are the encoded pixels.
        using var bitmap = ImageBytes.Bitmap(5, 4, (x, y) => new SKColor((byte)(40 * x), (byte)(60 * y), (byte)(x * y)));
        File.WriteAllBytes(path, ImageBytes.Encode(bitmap, SKEncodedImageFormat.Png));
        var (w, h, planes) = ImageDecoder.Decode(path);
        Assert.Equal((5, 4), (w, h));
        int at = 2 * 5 + 3;                                  // pixel (x 3, y 2) in each 5×4 plane
        Assert.Equal(new[] { 40 * 3, 60 * 2, 3 * 2 }, new[] { planes[at], planes[20 + at], planes[40 + at] }.Select(b => (int)b));
    }

    [Fact]
    public void Damaged_image_files_decode_whole_or_are_refused()
    {
        var seeds = Seeds.Value;
        Files("image", 60, "image",
            rng => new Mutator(rng).Bytes(seeds[rng.Next(seeds.Length)].Bytes), ImageDecoder.Decode, (_, image) => CheckImage(image));
    }

    [Fact]
    public void A_file_cut_inside_its_pixel_data_is_refused()
    {
        // Cuts at most 60 % into the file: the header may survive, the pixels cannot all be there.
        var seeds = Seeds.Value;
        var tally = Files("image-truncated", 61, "cut",
            rng =>
            {
                var seed = seeds[rng.Next(seeds.Length)].Bytes;
                return seed[..rng.Next(1, (int)(seed.Length * 0.6))];
            },
            ImageDecoder.Decode, iterations: Math.Max(50, FuzzSettings.Iterations / 5));
        Assert.Equal(0, tally.Accepted);
    }
}
