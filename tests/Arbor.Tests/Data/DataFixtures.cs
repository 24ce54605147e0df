using System.Buffers.Binary;
using System.IO.Compression;
using Arbor.Data;
using Arbor.Hierarchy;
using SkiaSharp;

namespace Arbor.Tests.Data;

/// <summary>Tiny synthetic data written by the tests themselves: IDX files, CIFAR records, PNGs, small hierarchies.</summary>
internal static class DataFixtures
{
    /// <summary>Writes an unsigned-byte IDX file (gzipped when the name ends in .gz).</summary>
    public static void WriteIdx(string path, int[] shape, byte[] data)
    {
        using var file = File.Create(path);
        using Stream s = path.EndsWith(".gz") ? new GZipStream(file, CompressionLevel.Fastest) : file;
        s.Write(new byte[] { 0, 0, 8, (byte)shape.Length });
        var dim = new byte[4];
        foreach (var d in shape)
        {
            BinaryPrimitives.WriteInt32BigEndian(dim, d);
            s.Write(dim);
        }
        s.Write(data);
    }

    /// <summary>A Fashion-MNIST-shaped folder: n images of h×w whose pixel (0,0) is the image index and labels i % 10.</summary>
    public static void WriteFashionFolder(string folder, int trainCount, int testCount, int h = 4, int w = 4, bool gz = true)
    {
        void Split(string images, string labels, int n)
        {
            var pixels = new byte[n * h * w];
            for (int i = 0; i < n; i++) { pixels[i * h * w] = (byte)i; pixels[i * h * w + 1] = 200; }
            WriteIdx(Path.Combine(folder, images + (gz ? ".gz" : "")), new[] { n, h, w }, pixels);
            WriteIdx(Path.Combine(folder, labels + (gz ? ".gz" : "")), new[] { n }, Enumerable.Range(0, n).Select(i => (byte)(i % 10)).ToArray());
        }
        Split("train-images-idx3-ubyte", "train-labels-idx1-ubyte", trainCount);
        Split("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", testCount);
    }

    /// <summary>2 coarse classes (animal, vehicle) × 2 fine each: cat, dog | car, bus; leaf ids 0..3.</summary>
    public static ClassHierarchy TwoByTwo() => ClassHierarchy.FromLeafPaths("tiny", new[] { "coarse", "fine" }, new IReadOnlyList<string>[]
    {
        new[] { "animal", "cat" }, new[] { "animal", "dog" }, new[] { "vehicle", "car" }, new[] { "vehicle", "bus" },
    });

    /// <summary>A solid-colour PNG (with an optional opaque square of another colour in the top-left quarter).</summary>
    public static void WritePng(string path, int width, int height, SKColor color, SKColor? corner = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(color);
            if (corner is { } c) using (var paint = new SKPaint { Color = c }) canvas.DrawRect(0, 0, width / 2f, height / 2f, paint);
        }
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, data.ToArray());
    }

    /// <summary>An in-memory dataset of n images C×H×W whose every pixel equals the image index, leaves i % 4 under TwoByTwo.</summary>
    public static InMemoryImageDataset Counting(int n, int channels = 1, int size = 4)
    {
        int per = channels * size * size;
        var pixels = new byte[n * per];
        for (int i = 0; i < n; i++) Array.Fill(pixels, (byte)i, i * per, per);
        return new InMemoryImageDataset("counting", TwoByTwo(), pixels, channels, size, size,
            Enumerable.Range(0, n).Select(i => i % 4).ToArray(), "counting", Normalization.None);
    }
}
