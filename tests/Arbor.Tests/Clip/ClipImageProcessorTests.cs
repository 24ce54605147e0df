using Arbor.Models.Clip;
using SkiaSharp;

namespace Arbor.Tests.Clip;

public class ClipImageProcessorTests
{
    [Fact]
    public void BicubicDownsamplingAveragesLikePillow()
    {
        // Halving 2×2 → 1×1: the kernel widened ×2 puts weight cubic(±0.25) on both pixels, 0.5 each after
        // normalising: each row (10 + 21) / 2 = 15.5, which Pillow's fixed point rounds half up to 16; then 16 vertically.
        var rgb = new byte[] { 10, 10, 10, 21, 21, 21, 10, 10, 10, 21, 21, 21 };
        var processor = new ClipImageProcessor { ShortestEdge = 1, CropHeight = 1, CropWidth = 1, DoNormalize = false, RescaleFactor = 1 };
        Assert.Equal(new float[] { 16, 16, 16 }, processor.Process(rgb, 2, 2));
    }

    [Fact]
    public void ShortSideIsResizedThenCentreCroppedThenNormalised()
    {
        // 6×3, constant colour: resized to 4×2 (short side 2, long side int(2·6/3)), cropped to 2×2, normalised.
        var rgb = Enumerable.Range(0, 54).Select(i => (byte)(i % 3 == 0 ? 255 : i % 3 == 1 ? 0 : 128)).ToArray();
        var processor = ClipImageProcessor.ForImageSize(2);
        var result = processor.Process(rgb, 6, 3);
        Assert.Equal(3 * 2 * 2, result.Length);
        var m = ClipImageProcessor.OpenAiMean;
        var s = ClipImageProcessor.OpenAiStd;
        var expected = new[] { (1f - m[0]) / s[0], (0f - m[1]) / s[1], (128f / 255f - m[2]) / s[2] };
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < 4; i++)
                Assert.Equal(expected[c], result[c * 4 + i], 5);

        // A horizontal ramp: the centre crop takes the middle columns.
        var ramp = new byte[8 * 2 * 3];
        for (int x = 0; x < 8; x++) for (int y = 0; y < 2; y++) for (int c = 0; c < 3; c++) ramp[(y * 8 + x) * 3 + c] = (byte)(x * 10);
        var raw = new ClipImageProcessor { ShortestEdge = 2, CropHeight = 2, CropWidth = 2, DoNormalize = false, RescaleFactor = 1 };
        Assert.Equal(new float[] { 30, 40, 30, 40 }, raw.Process(ramp, 8, 2)[..4]);
    }

    [Fact]
    public void DecodesFilesAndReadsPreprocessorConfig()
    {
        using var dir = TestPaths.NewTempFolder();
        using (var bitmap = new SKBitmap(new SKImageInfo(5, 4, SKColorType.Rgba8888, SKAlphaType.Unpremul)))
        {
            bitmap.Erase(new SKColor(200, 100, 50, 255));
            using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
            File.WriteAllBytes(dir.File("a.png"), data.ToArray());
        }
        File.WriteAllText(dir.File("preprocessor_config.json"), """
            {"size": {"shortest_edge": 3}, "crop_size": {"height": 3, "width": 3}, "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.25, 0.5]}
            """);
        var processor = ClipImageProcessor.Load(dir.Path);
        Assert.Equal(3, processor.ShortestEdge);
        var pixels = processor.Preprocess([dir.File("a.png")]);
        Assert.Equal(new long[] { 1, 3, 3, 3 }, pixels.shape);
        Assert.Equal((100f / 255f - 0.5f) / 0.25f, pixels[0, 1, 1, 1].item<float>(), 5);

        File.WriteAllText(dir.File("bad.png"), "not an image");
        var e = Assert.ThrowsAny<ArborException>(() => processor.Preprocess([dir.File("bad.png")]));
        Assert.Contains("bad.png", e.Message);
    }
}
