using Arbor.Data;
using Arbor.Data.Points;
using Arbor.Tests.Data;
using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Tests.Distributed;

/// <summary>
/// A data-parallel rank's part of a training batch (<see cref="RowShard"/>) is, bit for bit, the corresponding rows of the
/// whole batch — same samples, same augmentation of both views, same labels — while the rank reads and decodes only its
/// own samples. Covers every loader path a training batch can take: in-memory pixels (with and without resizing to RGB),
/// image files of mixed sizes, a dataset read image by image, point clouds, no augmentation, and a transform that is not
/// row-wise (which must still see the whole batch).
/// </summary>
public class RowShardLoadingTests
{
    const int Batch = 12;

    static InMemoryImageDataset Noise(int n, int channels, int side, int seed)
    {
        var pixels = new byte[n * channels * side * side];
        new Random(seed).NextBytes(pixels);
        return new InMemoryImageDataset("noise", DataFixtures.TwoByTwo(), pixels, channels, side, side,
            Enumerable.Range(0, n).Select(i => i % 4).ToArray(), "noise", Normalization.None);
    }

    /// <summary>Random-pixel PNGs, one in three 20×14 and the others 18×18 (the loader's two file paths).</summary>
    static FileImageDataset NoiseFiles(string dir, int n)
    {
        var rng = new Random(5);
        var entries = new List<ImageEntry>();
        for (int i = 0; i < n; i++)
        {
            int w = i % 3 == 0 ? 20 : 18, h = i % 3 == 0 ? 14 : 18;
            using var bitmap = new SKBitmap(w, h, SKColorType.Rgba8888, SKAlphaType.Premul);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    bitmap.SetPixel(x, y, new SKColor((byte)rng.Next(256), (byte)rng.Next(256), (byte)rng.Next(256)));
            using var image = SKImage.FromBitmap(bitmap);
            using var data = image.Encode(SKEncodedImageFormat.Png, 100);
            var path = Path.Combine(dir, $"img{i}.png");
            File.WriteAllBytes(path, data.ToArray());
            entries.Add(new ImageEntry(path, i % 4));
        }
        return new FileImageDataset("noise files", DataFixtures.TwoByTwo(), entries);
    }

    static float[] Floats(Tensor t) => t.contiguous().flatten().data<float>().ToArray();
    static long[] Longs(Tensor t) => t.contiguous().flatten().data<long>().ToArray();

    /// <summary>
    /// For every rank of K and every batch of 2 epochs: the rank's batch equals the whole batch's rows exactly, and the
    /// rank read exactly its own samples (<paramref name="readsOnlyOwnRows"/>) or the whole batch.
    /// </summary>
    static void AssertPartsAreRowsOfTheWholeBatch(RecordingDataset data, BatchLoaderOptions options, int ranks, bool readsOnlyOwnRows = true)
    {
        var loader = new BatchLoader(data, options with { BatchSize = Batch, DropLast = true });
        for (int epoch = 0; epoch < 2; epoch++)
        {
            var whole = loader.GetBatches(epoch).ToList();
            try
            {
                for (int rank = 0; rank < ranks; rank++)
                {
                    data.Clear();
                    var parts = loader.GetBatches(epoch, new RowShard(rank, ranks)).ToList();
                    var reads = data.Reads;
                    try
                    {
                        Assert.Equal(whole.Count, parts.Count);
                        int rows = Batch / ranks, first = rank * rows;
                        var expectedReads = new List<int>();
                        for (int b = 0; b < whole.Count; b++)
                        {
                            var (w, p) = (whole[b], parts[b]);
                            Assert.Equal(w.BatchIndex, p.BatchIndex);
                            Assert.Equal(w.Indices.Skip(first).Take(rows), p.Indices);
                            expectedReads.AddRange(readsOnlyOwnRows ? p.Indices : w.Indices);
                            Assert.Equal(Floats(w.Images.narrow(0, first, rows)), Floats(p.Images));
                            Assert.Equal(w.View2 is null, p.View2 is null);
                            if (w.View2 is not null) Assert.Equal(Floats(w.View2.narrow(0, first, rows)), Floats(p.View2!));
                            for (int l = 0; l < w.LevelLabels.Length; l++)
                                Assert.Equal(Longs(w.LevelLabels[l].narrow(0, first, rows)), Longs(p.LevelLabels[l]));
                        }
                        Assert.Equal(expectedReads.Order(), reads.Order());
                    }
                    finally { foreach (var p in parts) p.Dispose(); }
                }
            }
            finally { foreach (var w in whole) w.Dispose(); }
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void GrayscaleFashionMnistWithPadCropFlipAndJitter(int ranks) =>
        AssertPartsAreRowsOfTheWholeBatch(new RecordingDataset(FashionMnist.ReadEmbedded().Subset(Enumerable.Range(0, 40).ToArray(), "first 40")),
            new BatchLoaderOptions { Seed = 3, Views = 2, Prefetch = 2, Transform = BatchAugmentation.PadCropFlip() with { Brightness = 0.3, Contrast = 0.3 } },
            ranks);

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void ResizedToRgbWithContrastiveViews(int ranks) =>
        AssertPartsAreRowsOfTheWholeBatch(new RecordingDataset(FashionMnist.ReadEmbedded().Subset(Enumerable.Range(0, 30).ToArray(), "first 30")),
            new BatchLoaderOptions
            {
                Seed = 4, Views = 2, Prefetch = 0, Channels = 3, ImageSize = 24,
                Transform = BatchAugmentation.Contrastive(jitterProbability: 0.8, hue: 0.1),
            }, ranks);

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void OddSizedRgbWithEveryColourJitter(int ranks) =>
        AssertPartsAreRowsOfTheWholeBatch(new RecordingDataset(Noise(30, 3, 7, 1)), new BatchLoaderOptions
        {
            Seed = 5, Views = 2, Prefetch = 0,
            Transform = BatchAugmentation.Contrastive(jitterProbability: 0.8, grayscaleProbability: 0.3, hue: 0.2),
        }, ranks);

    [Fact]
    public void ImageFilesOfMixedSizes()
    {
        var dir = Directory.CreateTempSubdirectory("arbor-rowshard").FullName;
        try
        {
            AssertPartsAreRowsOfTheWholeBatch(new RecordingDataset(NoiseFiles(dir, 24)), new BatchLoaderOptions
            {
                Seed = 7, Views = 2, Prefetch = 1, ImageSize = 16, Transform = BatchAugmentation.Contrastive(hue: 0.1),
            }, 2);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void ARankNeverOpensTheOtherRanksFiles()
    {
        var dir = Directory.CreateTempSubdirectory("arbor-rowshard").FullName;
        try
        {
            var files = NoiseFiles(dir, Batch);
            var loader = new BatchLoader(files, new BatchLoaderOptions
            {
                BatchSize = Batch, Seed = 2, Prefetch = 0, ImageSize = 16, Transform = BatchAugmentation.Contrastive(),
            });
            var indices = loader.PlanEpoch(0)[0];
            using var whole = loader.LoadBatch(indices, 0, 0);
            // Rank 1 of 2 owns rows 6..11: every other file of the batch becomes unreadable.
            foreach (int i in indices.Take(Batch / 2)) File.WriteAllText(files.SourceOf(i), "not a PNG");
            using var part = loader.LoadBatch(indices, 0, 0, new RowShard(1, 2));
            Assert.Equal(Floats(whole.Images.narrow(0, Batch / 2, Batch / 2)), Floats(part.Images));
            Assert.ThrowsAny<Exception>(() => loader.LoadBatch(indices, 0, 0, new RowShard(0, 2)).Dispose());
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void ADatasetReadImageByImage() =>
        AssertPartsAreRowsOfTheWholeBatch(new RecordingDataset(Noise(24, 1, 8, 2), throughFastPath: false),
            new BatchLoaderOptions { Seed = 6, Views = 1, Prefetch = 0, Transform = BatchAugmentation.PadCropFlip(2) }, 2);

    [Fact]
    public void NoAugmentation() =>
        AssertPartsAreRowsOfTheWholeBatch(new RecordingDataset(Noise(24, 3, 5, 3)), new BatchLoaderOptions { Seed = 8, Prefetch = 2 }, 3);

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void PointCloudsWithContrastiveViews(int ranks)
    {
        var splits = ShapeSet.Open(new DatasetOptions { Points = 32 }, poolPerShape: 4, testPerShape: 1);
        AssertPartsAreRowsOfTheWholeBatch(new RecordingDataset(splits.Train),
            new BatchLoaderOptions { Seed = 9, Views = 2, Prefetch = 0, Transform = PointAugmentation.Contrastive() }, ranks);
    }

    [Fact]
    public void ATransformThatIsNotRowwiseStillGetsTheWholeBatch() =>
        AssertPartsAreRowsOfTheWholeBatch(new RecordingDataset(Noise(24, 1, 4, 4)),
            new BatchLoaderOptions { Seed = 1, Views = 2, Prefetch = 0, Transform = new BatchMeanShift() }, 2, readsOnlyOwnRows: false);

    /// <summary>Not row-wise: adds the batch's mean image and one random number per batch to every image.</summary>
    sealed class BatchMeanShift : IBatchTransform
    {
        public Tensor Apply(Tensor images, torch.Generator generator)
        {
            using var shift = torch.rand(new long[] { 1 }, generator: generator);
            using var mean = images.mean(new long[] { 0 }, keepdim: true);
            return images + mean + shift;
        }
    }

    [Fact]
    public void ABatchThatDoesNotSplitEvenlyIsRefusedNamingIt()
    {
        var loader = new BatchLoader(Noise(20, 1, 4, 5), new BatchLoaderOptions { BatchSize = 10, Prefetch = 0 });
        var e = Assert.Throws<ArborException>(() => loader.GetBatches(0, new RowShard(0, 3)).First().Dispose());
        Assert.Contains("batch 1 of epoch 1", e.Message);
        Assert.Contains("does not split evenly over 3 ranks", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new RowShard(2, 2));
        Assert.Equal((6, 2), new RowShard(3, 5).RowsOf(10));
        Assert.True(default(RowShard).IsWhole);
    }
}
