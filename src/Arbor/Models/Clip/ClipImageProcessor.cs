using System.Text.Json.Nodes;
using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Models.Clip;

/// <summary>
/// CLIP's image preprocessing (Hugging Face <c>CLIPImageProcessor</c>): decode to RGB, resize the shortest side to
/// <see cref="ShortestEdge"/> with antialiased bicubic resampling (Pillow's algorithm, 8-bit fixed point), centre crop
/// to <see cref="CropHeight"/>×<see cref="CropWidth"/>, scale to [0, 1] and normalise with <see cref="Mean"/>/<see cref="Std"/>.
/// </summary>
public sealed record ClipImageProcessor
{
    /// <summary>OpenAI CLIP's channel means (RGB).</summary>
    public static readonly float[] OpenAiMean = [0.48145466f, 0.4578275f, 0.40821073f];

    /// <summary>OpenAI CLIP's channel standard deviations (RGB).</summary>
    public static readonly float[] OpenAiStd = [0.26862954f, 0.26130258f, 0.27577711f];

    public int ShortestEdge { get; init; } = 224;
    public int CropHeight { get; init; } = 224;
    public int CropWidth { get; init; } = 224;
    public bool DoResize { get; init; } = true;
    public bool DoCenterCrop { get; init; } = true;
    public bool DoNormalize { get; init; } = true;
    public float RescaleFactor { get; init; } = 1f / 255f;
    public float[] Mean { get; init; } = OpenAiMean;
    public float[] Std { get; init; } = OpenAiStd;

    /// <summary>Largest resize or crop size a preprocessor config may ask for (CLIP models use 224–448).</summary>
    public const int MaxSize = 4096;

    /// <summary>Sized for a model's <c>image_size</c> with OpenAI's mean and std.</summary>
    public static ClipImageProcessor ForImageSize(int imageSize) =>
        new() { ShortestEdge = imageSize, CropHeight = imageSize, CropWidth = imageSize };

    /// <summary>
    /// Reads <c>preprocessor_config.json</c> from a CLIP folder when present (size, crop_size, image_mean, image_std,
    /// do_resize, do_center_crop, do_normalize, rescale_factor); otherwise sizes from <c>config.json</c>'s image_size.
    /// </summary>
    public static ClipImageProcessor Load(string dir)
    {
        var path = Path.Combine(dir, "preprocessor_config.json");
        if (!File.Exists(path))
        {
            var configPath = Path.Combine(dir, "config.json");
            return ForImageSize(File.Exists(configPath) ? ClipConfig.Load(configPath).Vision.ImageSize : 224);
        }
        try
        {
            var text = IO.TextInput.ReadFile(path, IO.InputLimits.ConfigFileBytes, "preprocessor config");
            using (IO.JsonInput.Parse(text, path, "preprocessor config")) { }   // strict: duplicate keys, lone surrogates
            if (JsonNode.Parse(text) is not JsonObject o) throw new ArborException("must be a JSON object", path);
            var p = new ClipImageProcessor();
            if (o["size"] is { } size)
                p = p with { ShortestEdge = size is JsonValue ? size.GetValue<int>()
                    : size["shortest_edge"]?.GetValue<int>() ?? Math.Min(size["height"]!.GetValue<int>(), size["width"]!.GetValue<int>()) };
            if (o["crop_size"] is { } crop)
                p = crop is JsonValue
                    ? p with { CropHeight = crop.GetValue<int>(), CropWidth = crop.GetValue<int>() }
                    : p with { CropHeight = crop["height"]!.GetValue<int>(), CropWidth = crop["width"]!.GetValue<int>() };
            else p = p with { CropHeight = p.ShortestEdge, CropWidth = p.ShortestEdge };
            if (o["image_mean"] is JsonArray mean) p = p with { Mean = mean.Select(v => v!.GetValue<float>()).ToArray() };
            if (o["image_std"] is JsonArray std) p = p with { Std = std.Select(v => v!.GetValue<float>()).ToArray() };
            if (o["do_resize"] is JsonValue r) p = p with { DoResize = r.GetValue<bool>() };
            if (o["do_center_crop"] is JsonValue c) p = p with { DoCenterCrop = c.GetValue<bool>() };
            if (o["do_normalize"] is JsonValue n) p = p with { DoNormalize = n.GetValue<bool>() };
            if (o["rescale_factor"] is JsonValue f) p = p with { RescaleFactor = f.GetValue<float>() };
            if (p.Mean.Length != 3 || p.Std.Length != 3 || p.Std.Any(s => !(s > 0) || !float.IsFinite(s)) || p.Mean.Any(m => !float.IsFinite(m)) ||
                p.ShortestEdge <= 0 || p.CropHeight <= 0 || p.CropWidth <= 0)
                throw new ArborException("image_mean/image_std need 3 finite values (std > 0) and sizes must be positive", path);
            if (p.ShortestEdge > MaxSize || p.CropHeight > MaxSize || p.CropWidth > MaxSize)
                throw new ArborException($"sizes must be at most {MaxSize} pixels", path);
            if (!float.IsFinite(p.RescaleFactor) || p.RescaleFactor <= 0) throw new ArborException("rescale_factor must be positive and finite", path);
            return p;
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or NullReferenceException or FormatException)
        {
            throw new ArborException($"malformed preprocessor config: {e.Message}", path, e);
        }
    }

    /// <summary>Decodes and preprocesses image files into pixel values [N, 3, CropHeight, CropWidth].</summary>
    public Tensor Preprocess(IReadOnlyList<string> imagePaths)
    {
        int plane = CropHeight * CropWidth;
        var data = new float[imagePaths.Count * 3 * plane];
        for (int i = 0; i < imagePaths.Count; i++)
        {
            var (rgb, w, h) = DecodeRgb(imagePaths[i]);
            Process(rgb, w, h).CopyTo(data, i * 3 * plane);
        }
        return torch.tensor(data, [imagePaths.Count, 3, CropHeight, CropWidth]);
    }

    /// <summary>Preprocesses interleaved 8-bit RGB pixels (<paramref name="width"/>×<paramref name="height"/>) into CHW floats.</summary>
    public float[] Process(byte[] rgb, int width, int height)
    {
        if (rgb.Length != width * height * 3) throw new ArgumentException($"{rgb.Length} bytes is not {width}×{height} RGB");
        if (DoResize)
        {
            // Hugging Face: the short side becomes ShortestEdge, the long side int(ShortestEdge · long / short).
            int newW, newH;
            if (width <= height) { newW = ShortestEdge; newH = (int)((long)ShortestEdge * height / width); }
            else { newH = ShortestEdge; newW = (int)((long)ShortestEdge * width / height); }
            rgb = BicubicResampler.Resize(rgb, width, height, newW, newH);
            (width, height) = (newW, newH);
        }
        int outW = DoCenterCrop ? CropWidth : width, outH = DoCenterCrop ? CropHeight : height;
        if (outW != CropWidth || outH != CropHeight)
            throw new ArgumentException($"image is {width}×{height} after resizing; the model needs {CropWidth}×{CropHeight}");
        int top = (height - outH) / 2, left = (width - outW) / 2;   // floor division as Hugging Face (pads with 0 when smaller)
        var result = new float[3 * outH * outW];
        for (int c = 0; c < 3; c++)
        {
            float scale = DoNormalize ? RescaleFactor / Std[c] : RescaleFactor;
            float shift = DoNormalize ? Mean[c] / Std[c] : 0f;
            for (int y = 0; y < outH; y++)
            {
                int sy = y + top;
                for (int x = 0; x < outW; x++)
                {
                    int sx = x + left;
                    float v = sy >= 0 && sy < height && sx >= 0 && sx < width ? rgb[(sy * width + sx) * 3 + c] : 0;
                    result[(c * outH + y) * outW + x] = v * scale - shift;
                }
            }
        }
        return result;
    }

    /// <summary>Decodes an image file to interleaved RGB bytes (alpha dropped, as Pillow's convert("RGB") does).</summary>
    public static (byte[] Rgb, int Width, int Height) DecodeRgb(string path)
    {
        if (!File.Exists(path)) throw new ArborException("image not found", path);
        using var codec = SKCodec.Create(path) ?? throw new ArborException("cannot decode image (unknown or corrupt format)", path);
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        var status = codec.GetPixels(info, bitmap.GetPixels());
        if (status is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
            throw new ArborException($"cannot decode image: {status}", path);
        var rgba = bitmap.GetPixelSpan();
        var rgb = new byte[info.Width * info.Height * 3];
        for (int i = 0, j = 0; j < rgb.Length; i += 4, j += 3)
        {
            rgb[j] = rgba[i];
            rgb[j + 1] = rgba[i + 1];
            rgb[j + 2] = rgba[i + 2];
        }
        return (rgb, info.Width, info.Height);
    }
}

/// <summary>
/// Pillow's antialiased bicubic resampling (a = −0.5; the kernel widens by the scale when shrinking) on 8-bit RGB,
/// horizontal pass then vertical, with Pillow's 22-bit fixed-point weights and rounding, so results match
/// <c>Image.resize(size, BICUBIC)</c>.
/// </summary>
internal static class BicubicResampler
{
    const int PrecisionBits = 32 - 8 - 2;

    public static byte[] Resize(byte[] rgb, int width, int height, int newWidth, int newHeight)
    {
        if (newWidth != width)
        {
            rgb = Pass(rgb, width, height, newWidth, horizontal: true);
            width = newWidth;
        }
        if (newHeight != height) rgb = Pass(rgb, width, height, newHeight, horizontal: false);
        return rgb;
    }

    static double Cubic(double x)
    {
        const double a = -0.5;
        x = Math.Abs(x);
        if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
        if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
        return 0;
    }

    /// <summary>Pillow's precompute_coeffs + normalize_coeffs_8bpc: per output index, first input index and weights.</summary>
    static (int[] Start, int[][] Weights) Coefficients(int inSize, int outSize)
    {
        double scale = (double)inSize / outSize;
        double filterScale = Math.Max(scale, 1.0);
        double support = 2.0 * filterScale;
        var start = new int[outSize];
        var weights = new int[outSize][];
        for (int o = 0; o < outSize; o++)
        {
            double center = (o + 0.5) * scale;
            int min = Math.Max((int)(center - support + 0.5), 0);
            int max = Math.Min((int)(center + support + 0.5), inSize);
            var k = new double[max - min];
            double sum = 0;
            for (int i = 0; i < k.Length; i++)
            {
                k[i] = Cubic((i + min - center + 0.5) / filterScale);
                sum += k[i];
            }
            var w = new int[k.Length];
            for (int i = 0; i < k.Length; i++)
            {
                double v = sum != 0 ? k[i] / sum : 0;
                w[i] = (int)(v < 0 ? -0.5 + v * (1 << PrecisionBits) : 0.5 + v * (1 << PrecisionBits));
            }
            start[o] = min;
            weights[o] = w;
        }
        return (start, weights);
    }

    static byte[] Pass(byte[] src, int width, int height, int outSize, bool horizontal)
    {
        int inSize = horizontal ? width : height;
        var (start, weights) = Coefficients(inSize, outSize);
        int outW = horizontal ? outSize : width, outH = horizontal ? height : outSize;
        var dst = new byte[outW * outH * 3];
        Parallel.For(0, outH, y =>
        {
            for (int x = 0; x < outW; x++)
            {
                int o = horizontal ? x : y;
                var w = weights[o];
                for (int c = 0; c < 3; c++)
                {
                    long acc = 1L << (PrecisionBits - 1);
                    for (int i = 0; i < w.Length; i++)
                    {
                        int s = start[o] + i;
                        int index = horizontal ? (y * width + s) * 3 + c : (s * width + x) * 3 + c;
                        acc += (long)src[index] * w[i];
                    }
                    long v = acc >> PrecisionBits;
                    dst[(y * outW + x) * 3 + c] = (byte)Math.Clamp(v, 0, 255);
                }
            }
        });
        return dst;
    }
}
