using Arbor.Data;
using SkiaSharp;

namespace Arbor.Tests.Data;

/// <summary>
/// Every image mode decodes to the right RGB pixels, and a file that is not a whole image is an error naming it — never a
/// half-grey picture.
/// </summary>
public class ImageDecoderTests
{
    static (int W, int H, byte[] Planes) DecodeBytes(TempFolder tmp, string name, byte[] bytes)
    {
        var path = tmp.File(name);
        File.WriteAllBytes(path, bytes);
        return ImageDecoder.Decode(path);
    }

    static byte[] Pixel(byte[] planes, int plane, int i) => new[] { planes[i], planes[plane + i], planes[2 * plane + i] };

    [Fact]
    public void GrayscalePaletteAnd16BitPngsDecodeToTheirRgbValues()
    {
        using var tmp = TestPaths.NewTempFolder();
        var gray = DecodeBytes(tmp, "gray.png", ImageBytes.Png(2, 1, colorType: 0, bitDepth: 8, new byte[] { 10, 200 }));
        Assert.Equal(new byte[] { 10, 10, 10 }, Pixel(gray.Planes, 2, 0));
        Assert.Equal(new byte[] { 200, 200, 200 }, Pixel(gray.Planes, 2, 1));

        var palette = DecodeBytes(tmp, "palette.png", ImageBytes.Png(2, 1, colorType: 3, bitDepth: 8, new byte[] { 1, 0 },
            palette: new byte[] { 0, 128, 255, 250, 20, 30 }));
        Assert.Equal(new byte[] { 250, 20, 30 }, Pixel(palette.Planes, 2, 0));
        Assert.Equal(new byte[] { 0, 128, 255 }, Pixel(palette.Planes, 2, 1));

        // 16-bit RGB: the high byte carries the 8-bit value.
        var deep = DecodeBytes(tmp, "deep.png", ImageBytes.Png(1, 1, colorType: 2, bitDepth: 16, new byte[] { 0x12, 0xFF, 0x80, 0x01, 0xFE, 0x00 }));
        Assert.Equal(new byte[] { 0x12, 0x80, 0xFE }, Pixel(deep.Planes, 1, 0), new ToleranceComparer(1));
    }

    [Fact]
    public void TransparentPixelsAreCompositedOverWhite()
    {
        using var tmp = TestPaths.NewTempFolder();
        using var bitmap = ImageBytes.Bitmap(2, 1, (x, _) => x == 0 ? new SKColor(255, 0, 0, 0) : new SKColor(0, 0, 255, 128));
        var rgba = DecodeBytes(tmp, "alpha.png", ImageBytes.Encode(bitmap, SKEncodedImageFormat.Png));
        Assert.Equal(new byte[] { 255, 255, 255 }, Pixel(rgba.Planes, 2, 0));
        Assert.Equal(new byte[] { 127, 127, 255 }, Pixel(rgba.Planes, 2, 1), new ToleranceComparer(1));
    }

    [Fact]
    public void JpegWebpAndTheFirstGifFrameDecode()
    {
        using var tmp = TestPaths.NewTempFolder();
        using var bitmap = ImageBytes.Bitmap(16, 16, (_, _) => new SKColor(200, 40, 90));
        foreach (var (format, name) in new[] { (SKEncodedImageFormat.Jpeg, "a.jpg"), (SKEncodedImageFormat.Webp, "a.webp") })
        {
            var decoded = DecodeBytes(tmp, name, ImageBytes.Encode(bitmap, format, 95));
            Assert.Equal((16, 16), (decoded.W, decoded.H));
            Assert.Equal(new byte[] { 200, 40, 90 }, Pixel(decoded.Planes, 256, 100), new ToleranceComparer(6));
        }
        var gif = DecodeBytes(tmp, "a.gif", ImageBytes.TwoFrameGif());
        Assert.Equal((2, 1), (gif.W, gif.H));
        Assert.Equal(new byte[] { 255, 0, 0 }, Pixel(gif.Planes, 2, 0));   // the first frame: red, then blue
        Assert.Equal(new byte[] { 0, 0, 255 }, Pixel(gif.Planes, 2, 1));
    }

    [Fact]
    public void TruncatedCorruptEmptyAndHugeFilesAreErrorsNamingTheFile()
    {
        using var tmp = TestPaths.NewTempFolder();
        using var bitmap = ImageBytes.Bitmap(32, 32, (x, y) => new SKColor((byte)(x * 8), (byte)(y * 8), 7));
        var png = ImageBytes.Encode(bitmap, SKEncodedImageFormat.Png);
        var jpeg = ImageBytes.Encode(bitmap, SKEncodedImageFormat.Jpeg, 90);
        var cases = new (string Name, byte[] Bytes, string Problem)[]
        {
            ("header-only.png", png[..41], "truncated"),
            ("half.png", png[..(png.Length / 2)], "truncated"),
            ("half.jpg", jpeg[..(jpeg.Length / 2)], "truncated"),
            ("empty.png", Array.Empty<byte>(), "empty"),
            ("noise.png", Enumerable.Range(0, 300).Select(i => (byte)(i * 37)).ToArray(), "cannot decode"),
            // A valid header claiming 20,000 × 20,000 pixels: refused before decoding.
            ("bomb.png", ImageBytes.Png(20_000, 20_000, 0, 8, Array.Empty<byte>()), "megapixels"),
        };
        foreach (var (name, bytes, problem) in cases)
        {
            var path = tmp.File(name);
            File.WriteAllBytes(path, bytes);
            var e = Assert.Throws<DatasetException>(() => ImageDecoder.Decode(path));
            Assert.Contains(path, e.Message);
            Assert.True(e.Message.Contains(problem), $"{name}: {e.Message}");
        }
    }

    sealed class ToleranceComparer(int tolerance) : IEqualityComparer<byte>
    {
        public bool Equals(byte a, byte b) => Math.Abs(a - b) <= tolerance;
        public int GetHashCode(byte b) => 0;
    }
}

