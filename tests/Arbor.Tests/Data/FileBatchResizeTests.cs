using Arbor.Data;
using SkiaSharp;
using TorchSharp;

namespace Arbor.Tests.Data;

/// <summary>
/// Image files of one size are decoded at their own size and resized batch-wise in torch (bicubic, antialiased), so file
/// datasets and in-memory datasets resize alike; the centre crop of non-square images happens before resizing.
/// </summary>
public class FileBatchResizeTests
{
    static FileImageDataset Files(IReadOnlyList<string> paths) =>
        new("files", DataFixtures.TwoByTwo(), paths.Select((p, i) => new ImageEntry(p, i % 4)).ToArray());

    static Batch OneBatch(ImageDataset dataset, int size, ResizeMode resize = ResizeMode.ShorterSideThenCenterCrop) =>
        new BatchLoader(dataset, new BatchLoaderOptions
        {
            BatchSize = 16, ImageSize = size, Resize = resize, Normalization = Normalization.None, Shuffle = false, Prefetch = 0,
        }).GetBatches(0).Single();

    static void WriteBitmapPng(string path, int width, int height, Func<int, int, SKColor> color)
    {
        using var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Premul);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                bitmap.SetPixel(x, y, color(x, y));
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, data.ToArray());
    }

    [Fact]
    public void SameSizeFilesResizeLikeTheSamePixelsInMemory()
    {
        using var tmp = TestPaths.NewTempFolder();
        // Smooth ramps (bicubic does not overshoot on them): horizontal, vertical, and both.
        var ramps = new Func<int, int, SKColor>[]
        {
            (x, y) => new SKColor((byte)(20 + 25 * x), 90, 200),
            (x, y) => new SKColor(30, (byte)(10 + 30 * y), (byte)(240 - 20 * y)),
            (x, y) => new SKColor((byte)(15 * x + 10 * y), (byte)(200 - 12 * x), (byte)(100 + 9 * y)),
        };
        var paths = ramps.Select((_, i) => Path.Combine(tmp.Path, $"{i}.png")).ToArray();
        for (int i = 0; i < paths.Length; i++) WriteBitmapPng(paths[i], 8, 8, ramps[i]);
        var files = Files(paths);
        // The same decoded pixels as an in-memory dataset, which resizes float batches (bicubic, antialiased).
        var pixels = Enumerable.Range(0, paths.Length).SelectMany(i => files.Decode(i).Planes).ToArray();
        var memory = new InMemoryImageDataset("memory", files.Hierarchy, pixels, 3, 8, 8,
            Enumerable.Range(0, paths.Length).Select(i => i % 4).ToArray(), "memory");

        using var fromFiles = OneBatch(files, 20);
        using var fromMemory = OneBatch(memory, 20);
        Assert.Equal(new long[] { 3, 3, 20, 20 }, fromFiles.Images.shape);
        // Equal up to the uint8 path's rounding: once after each separable pass, so under 1.5 steps of 1/255.
        double worst = (fromFiles.Images - fromMemory.Images).abs().max().item<float>();
        Assert.True(worst < 1.5 / 255, $"largest difference {worst * 255:F2}/255");
    }

    [Fact]
    public void SharpEdgesStayInRange()
    {
        using var tmp = TestPaths.NewTempFolder();
        var path = Path.Combine(tmp.Path, "edge.png");
        DataFixtures.WritePng(path, 8, 8, SKColors.White, SKColors.Black);
        using var batch = OneBatch(Files(new[] { path }), 20);
        // Bicubic overshoots at the square's edges; uint8 resizing saturates, so values stay in [0, 1] and reach both ends.
        Assert.Equal(0f, batch.Images.min().item<float>());
        Assert.Equal(1f, batch.Images.max().item<float>());
        Assert.Equal(0f, batch.Images[0, 0, 2, 2].item<float>());
        Assert.Equal(1f, batch.Images[0, 0, 17, 17].item<float>());
    }

    [Fact]
    public void NonSquareImagesAreCroppedToTheirCentreBeforeResizing()
    {
        using var tmp = TestPaths.NewTempFolder();
        // 12×6: a red band (3 columns), a blue centre square (6 columns), a lime band (3 columns).
        var path = Path.Combine(tmp.Path, "banded.png");
        WriteBitmapPng(path, 12, 6, (x, _) => x < 3 ? SKColors.Red : x < 9 ? SKColors.Blue : SKColors.Lime);
        var files = Files(new[] { path, path });

        using var cropped = OneBatch(files, 9);
        var blue = torch.tensor(new[] { 0f, 0, 1 }).view(1, 3, 1, 1);
        Assert.Equal(0f, (cropped.Images - blue).abs().max().item<float>());

        using var stretched = OneBatch(files, 9, ResizeMode.Stretch);
        // Stretching keeps the bands: red on the left edge, lime on the right.
        Assert.Equal(new[] { 1f, 0, 0 }, stretched.Images[0, .., 4, 0].data<float>().ToArray());
        Assert.Equal(new[] { 0f, 1, 0 }, stretched.Images[0, .., 4, 8].data<float>().ToArray());
    }

    [Fact]
    public void FilesAtTheTargetSizeKeepTheirExactPixels()
    {
        using var tmp = TestPaths.NewTempFolder();
        var path = Path.Combine(tmp.Path, "a.png");
        DataFixtures.WritePng(path, 6, 6, new SKColor(10, 20, 30), new SKColor(200, 100, 50));
        var files = Files(new[] { path });
        using var batch = OneBatch(files, 6);
        var expected = torch.tensor(files.Decode(0).Planes, new long[] { 1, 3, 6, 6 }).to_type(torch.ScalarType.Float32) / 255f;
        Assert.Equal(0f, (batch.Images - expected).abs().max().item<float>());
        Assert.Equal(200f / 255, batch.Images[0, 0, 0, 0].item<float>(), 6);
    }
}
