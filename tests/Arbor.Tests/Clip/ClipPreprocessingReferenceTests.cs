using System.Text.Json;
using Arbor.Data;
using Arbor.IO;
using Arbor.Models.Clip;

namespace Arbor.Tests.Clip;

/// <summary>
/// Both preprocessing conventions against pixels made by the real libraries (Pillow 9.4 + torchvision 0.14, see
/// tests/fixtures/clip-preprocess/make.py): images of many sizes, aspect ratios and modes (RGB, RGBA with alpha gradients,
/// LA, grey, palette with and without transparency, 1-bit, JPEG, WebP).
/// </summary>
public class ClipPreprocessingReferenceTests
{
    sealed record Case(string Image, string Mode, int Size, string Convention, string Expected);

    static readonly string Folder = TestPaths.Fixture("clip-preprocess");

    static List<Case> Cases() => JsonSerializer.Deserialize<List<Case>>(File.ReadAllText(Path.Combine(Folder, "cases.json")),
        new JsonSerializerOptions { PropertyNameCaseInsensitive = true })!;

    public static TheoryData<string> Conventions => new() { "hf", "openai" };

    [Theory]
    [MemberData(nameof(Conventions))]
    public void CropsEqualPillowAndTorchvision(string convention)
    {
        var cases = Cases().Where(c => c.Convention == convention).ToList();
        Assert.True(cases.Count >= 30);
        var failures = new List<string>();
        foreach (var c in cases)
        {
            var processor = ClipImageProcessor.ForImageSize(c.Size) with { Convention = ClipImageProcessor.ParseConvention(convention) };
            var image = DecodedImage.Load(Path.Combine(Folder, c.Image));
            var planes = new byte[3 * c.Size * c.Size];
            processor.ResizeAndCrop(image, planes);
            var expected = DecodedImage.Load(Path.Combine(Folder, c.Expected));
            int worst = 0;
            for (int ch = 0; ch < 3; ch++)
                for (int i = 0; i < c.Size * c.Size; i++)
                    worst = Math.Max(worst, Math.Abs(planes[ch * c.Size * c.Size + i] - expected.Rgba[4 * i + ch]));
            // Lossless sources must match exactly; JPEG decoders (Skia's libjpeg-turbo vs Pillow's) may differ by a level
            // or two, within 2e-2 after normalisation (one level is 1/255/0.26 ≈ 0.015).
            int allowed = c.Image.EndsWith(".jpg") ? 1 : 0;
            if (worst > allowed) failures.Add($"{c.Image} ({c.Mode}): max |diff| {worst} levels");
        }
        Assert.Empty(failures);
    }

    [Fact]
    public void ConventionsDifferWhereTheReferencesDo()
    {
        // 303×200 → 339×224: torchvision crops at round(57.5) = 58, Hugging Face at 57; RGBA pixels under alpha 0 turn
        // black only in the OpenAI convention.
        var hf = ClipImageProcessor.ForImageSize(224);
        var openai = hf with { Convention = ClipPreprocessing.OpenAi };
        var rgb = DecodedImage.Load(Path.Combine(Folder, "images", "rgb-303x200.png"));
        Assert.NotEqual(hf.Process(rgb), openai.Process(rgb));
        var rgba = DecodedImage.Load(Path.Combine(Folder, "images", "rgba-90x60.png"));
        Assert.Equal(PixelMode.Rgba, rgba.Mode);
        var small = ClipImageProcessor.ForImageSize(40) with { DoNormalize = false };
        var black = (small with { Convention = ClipPreprocessing.OpenAi }).Process(rgba);
        var colour = small.Process(rgba);
        Assert.Equal(0f, black[0]);                    // top-left is fully transparent
        Assert.NotEqual(0f, colour[0]);
    }

    [Fact]
    public void NormalisedTensorsEqualTorchvisionWithin1e5()
    {
        using var expected = SafeTensors.Read(Path.Combine(Folder, "expected.safetensors"));
        var processor = ClipImageProcessor.ForImageSize(40) with { Convention = ClipPreprocessing.OpenAi };
        foreach (var (key, tensor) in expected)
        {
            var name = key[..key.LastIndexOf('.')];
            var file = Directory.GetFiles(Path.Combine(Folder, "images"), name + ".*").Single();
            var ours = processor.Process(DecodedImage.Load(file));
            var reference = tensor.data<float>().ToArray();
            double limit = file.EndsWith(".jpg") ? 2e-2 : 1e-5;
            Assert.True(ours.Zip(reference).Max(p => Math.Abs(p.First - p.Second)) <= limit, $"{key}: beyond {limit}");
        }
    }

    [Fact]
    public void PixelModesFollowPillow()
    {
        var modes = Cases().Where(c => c.Convention == "openai").ToDictionary(c => c.Image, c => c.Mode);
        foreach (var (image, pillowMode) in modes)
        {
            var mode = DecodedImage.Load(Path.Combine(Folder, image)).Mode;
            var expected = pillowMode switch
            {
                "RGB" => PixelMode.Rgb, "RGBA" => PixelMode.Rgba, "L" => PixelMode.Gray, "LA" => PixelMode.GrayAlpha,
                "P" or "1" => PixelMode.Palette, _ => throw new InvalidOperationException(pillowMode),
            };
            Assert.True(expected == mode, $"{image}: Pillow {pillowMode}, ours {mode}");
        }
    }

    [Fact]
    public void LoaderBatchesEqualTheProcessor()
    {
        // The loader is the processor's only route into CLIP training/evaluation: same pixels, same normalisation.
        var files = new[] { "rgba-90x60.png", "rgb-97x61.png", "palette-77x55.png", "jpeg-gray-60x100.jpg" }
            .Select(f => Path.Combine(Folder, "images", f)).ToArray();
        var hierarchy = Data.DataFixtures.TwoByTwo();
        var dataset = new FileImageDataset("refs", hierarchy, files.Select((f, i) => new ImageEntry(f, i % 2)).ToArray());
        var processor = ClipImageProcessor.ForImageSize(40) with { Convention = ClipPreprocessing.OpenAi };
        var loader = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 4, Shuffle = false, Prefetch = 0, Preprocessor = processor });
        using var batch = loader.Single();
        Assert.Equal(new long[] { 4, 3, 40, 40 }, batch.Images.shape);
        for (int i = 0; i < files.Length; i++)
        {
            var expected = processor.Process(DecodedImage.Load(files[i]));
            var actual = batch.Images[i].contiguous().data<float>().ToArray();
            Assert.True(expected.Zip(actual).Max(p => Math.Abs(p.First - p.Second)) <= 1e-6, files[i]);
        }
    }

    [Fact]
    public void UnknownConventionIsRejectedByName()
    {
        var e = Assert.Throws<ArborException>(() => ClipImageProcessor.ParseConvention("torch"));
        Assert.Contains("'torch'", e.Message);
    }
}
