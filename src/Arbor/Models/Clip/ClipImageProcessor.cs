using System.Text.Json.Nodes;
using Arbor.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Models.Clip;

/// <summary>
/// Which reference CLIP's preprocessing reproduces. Both resize the shortest side with Pillow's antialiased bicubic filter,
/// centre-crop, scale to [0, 1] and normalise; they differ in two details that change pixels.
/// </summary>
public enum ClipPreprocessing
{
    /// <summary>
    /// "hf": Hugging Face's <c>CLIPImageProcessor</c> — convert to RGB first (alpha dropped), floor the crop offset.
    /// The default for Hugging Face folders.
    /// </summary>
    Hf,
    /// <summary>
    /// "openai": OpenAI's <c>clip._transform</c> (torchvision <c>Resize</c>, <c>CenterCrop</c>, then <c>convert("RGB")</c>)
    /// — the crop offset rounded half to even, RGBA/LA resized with premultiplied alpha (transparent pixels turn black),
    /// palette images resized by nearest neighbour. What HGCLIP's and the prompt-learning papers' code uses.
    /// </summary>
    OpenAi,
    /// <summary>
    /// "stretch": what the HGCLIP reference code feeds CLIP — torchvision <c>Resize((224, 224))</c> on the RGB image
    /// (Pillow's antialiased bilinear, aspect ratio not kept, no crop) and ImageNet's mean/std instead of CLIP's.
    /// </summary>
    Stretch,
}

/// <summary>
/// CLIP's image preprocessing: decode, resize the shortest side to <see cref="ShortestEdge"/> with antialiased bicubic
/// resampling (Pillow's algorithm, 8-bit fixed point), centre crop to <see cref="CropHeight"/>×<see cref="CropWidth"/>,
/// scale to [0, 1] and normalise with <see cref="Mean"/>/<see cref="Std"/> — following <see cref="Convention"/>. This is the
/// one preprocessing of everything that feeds CLIP (embedding, zero-shot, HGCLIP, prompt baselines, prototypes): datasets
/// reach it through <see cref="BatchLoaderOptions.Preprocessor"/>.
/// </summary>
public sealed record ClipImageProcessor : IImagePreprocessor
{
    /// <summary>OpenAI CLIP's channel means (RGB).</summary>
    public static readonly float[] OpenAiMean = [0.48145466f, 0.4578275f, 0.40821073f];

    /// <summary>OpenAI CLIP's channel standard deviations (RGB).</summary>
    public static readonly float[] OpenAiStd = [0.26862954f, 0.26130258f, 0.27577711f];

    /// <summary>ImageNet's channel means and standard deviations (torchvision's), which the stretch convention uses.</summary>
    public static readonly float[] ImageNetMean = [0.485f, 0.456f, 0.406f], ImageNetStd = [0.229f, 0.224f, 0.225f];

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

    /// <summary>The reference whose pixels this reproduces. Default <see cref="ClipPreprocessing.Hf"/>.</summary>
    public ClipPreprocessing Convention { get; init; } = ClipPreprocessing.Hf;

    /// <summary>The convention called <paramref name="name"/> ("hf" or "openai", any case).</summary>
    public static ClipPreprocessing ParseConvention(string name) => name.Trim().ToLowerInvariant() switch
    {
        "hf" or "huggingface" or "hugging-face" => ClipPreprocessing.Hf,
        "openai" => ClipPreprocessing.OpenAi,
        "stretch" => ClipPreprocessing.Stretch,
        _ => throw new ArborException($"unknown CLIP preprocessing '{name}': use hf (Hugging Face), openai (OpenAI/torchvision) " +
                                      "or stretch (the HGCLIP reference code's)"),
    };

    /// <summary>The name of a convention as <see cref="ParseConvention"/> reads it.</summary>
    public static string NameOf(ClipPreprocessing convention) => convention switch
    {
        ClipPreprocessing.OpenAi => "openai",
        ClipPreprocessing.Stretch => "stretch",
        _ => "hf",
    };

    (int Height, int Width) IImagePreprocessor.OutputSize => (CropHeight, CropWidth);

    /// <summary>Mean/std as a loader normalisation (none when <see cref="DoNormalize"/> is off).</summary>
    public Normalization Normalization => DoNormalize ? new Normalization("clip", Mean, Std) : Normalization.None;

    /// <summary>Sized for a model's <c>image_size</c> with OpenAI's mean and std.</summary>
    public static ClipImageProcessor ForImageSize(int imageSize) =>
        new() { ShortestEdge = imageSize, CropHeight = imageSize, CropWidth = imageSize };

    /// <summary>
    /// Reads <c>preprocessor_config.json</c> from a CLIP folder when present (size, crop_size, image_mean, image_std,
    /// do_resize, do_center_crop, do_normalize, rescale_factor); otherwise sizes from <c>config.json</c>'s image_size.
    /// A folder says nothing about the convention: Hugging Face's unless <paramref name="convention"/> says otherwise.
    /// </summary>
    public static ClipImageProcessor Load(string dir, ClipPreprocessing convention = ClipPreprocessing.Hf)
    {
        var folder = ReadFolder(dir) with { Convention = convention };
        return convention == ClipPreprocessing.Stretch
            ? folder with { Mean = ImageNetMean, Std = ImageNetStd, DoResize = true, DoCenterCrop = true }
            : folder;
    }

    static ClipImageProcessor ReadFolder(string dir)
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
        try
        {
            Parallel.For(0, imagePaths.Count, i => Process(DecodedImage.Load(imagePaths[i])).CopyTo(data, i * 3 * plane));
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            // The first bad file's own error (it names the file), not the parallel wrapper.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            throw;
        }
        return torch.tensor(data, [imagePaths.Count, 3, CropHeight, CropWidth]);
    }

    /// <summary>Preprocesses interleaved 8-bit RGB pixels (<paramref name="width"/>×<paramref name="height"/>) into CHW floats.</summary>
    public float[] Process(byte[] rgb, int width, int height)
    {
        if (rgb.Length != width * height * 3) throw new ArgumentException($"{rgb.Length} bytes is not {width}×{height} RGB");
        var rgba = new byte[width * height * 4];
        for (int i = 0, j = 0; j < rgb.Length; i += 4, j += 3)
        {
            (rgba[i], rgba[i + 1], rgba[i + 2], rgba[i + 3]) = (rgb[j], rgb[j + 1], rgb[j + 2], 255);
        }
        return Process(new DecodedImage(rgba, width, height, PixelMode.Rgb));
    }

    /// <summary>The model's input for one image: resized, cropped, scaled and normalised, CHW floats [3, CropHeight, CropWidth].</summary>
    public float[] Process(DecodedImage image)
    {
        int plane = CropHeight * CropWidth;
        var planes = new byte[3 * plane];
        ResizeAndCrop(image, planes);
        var result = new float[3 * plane];
        bool byDivision = RescaleFactor == 1f / 255f;   // torchvision's ToTensor divides by 255
        for (int c = 0; c < 3; c++)
        {
            float mean = DoNormalize ? Mean[c] : 0f, std = DoNormalize ? Std[c] : 1f;
            for (int i = c * plane; i < (c + 1) * plane; i++)
            {
                float x = byDivision ? planes[i] / 255f : planes[i] * RescaleFactor;
                result[i] = (x - mean) / std;
            }
        }
        return result;
    }

    /// <summary>
    /// Resizes and centre-crops one image per <see cref="Convention"/> into RGB planes [3, CropHeight, CropWidth]
    /// (uint8, before scaling). Areas outside a too-small image stay 0, as both references pad.
    /// </summary>
    public void ResizeAndCrop(DecodedImage image, Span<byte> planes)
    {
        if (planes.Length != 3 * CropHeight * CropWidth)
            throw new ArgumentException($"{planes.Length} bytes is not 3×{CropHeight}×{CropWidth}", nameof(planes));
        var (pixels, channels, width, height) = Resize(image);
        int outW = DoCenterCrop ? CropWidth : width, outH = DoCenterCrop ? CropHeight : height;
        if (outW != CropWidth || outH != CropHeight)
            throw new ArgumentException($"image is {width}×{height} after resizing; the model needs {CropWidth}×{CropHeight}");
        int top = CropOffset(height, outH), left = CropOffset(width, outW);
        int plane = outH * outW;
        planes.Clear();
        for (int y = 0; y < outH; y++)
        {
            int sy = y + top;
            if (sy < 0 || sy >= height) continue;
            for (int x = 0; x < outW; x++)
            {
                int sx = x + left;
                if (sx < 0 || sx >= width) continue;
                int s = (sy * width + sx) * channels, d = y * outW + x;
                planes[d] = pixels[s];
                planes[plane + d] = pixels[s + 1];
                planes[2 * plane + d] = pixels[s + 2];
            }
        }
    }

    /// <summary>
    /// Where the crop starts in the resized image. Larger image: Hugging Face floors (size − crop)/2, torchvision rounds it
    /// half to even (Python's <c>round</c>). Smaller image (padded with 0): Hugging Face centres it at ⌈(crop − size)/2⌉,
    /// torchvision at ⌊(crop − size)/2⌋.
    /// </summary>
    int CropOffset(int size, int crop)
    {
        if (size >= crop)
            return Convention == ClipPreprocessing.OpenAi ? (int)Math.Round((size - crop) / 2.0, MidpointRounding.ToEven) : (size - crop) / 2;
        return Convention == ClipPreprocessing.OpenAi ? -((crop - size) / 2) : -((crop - size + 1) / 2);
    }

    /// <summary>
    /// Resizes the shortest side to <see cref="ShortestEdge"/> (the long side to ⌊ShortestEdge · long / short⌋), with Pillow's
    /// filters. Hugging Face converts to RGB first (alpha dropped); OpenAI resizes the image as opened — RGBA/LA with
    /// premultiplied alpha, palette and 1-bit images by nearest neighbour — and converts afterwards.
    /// </summary>
    (byte[] Pixels, int Channels, int Width, int Height) Resize(DecodedImage image)
    {
        var (width, height) = (image.Width, image.Height);
        int newW = width, newH = height;
        if (Convention == ClipPreprocessing.Stretch)
        {
            // Resize((H, W)) straight to the model's size; the crop that follows is then a no-op.
            var rgbOnly = ToRgb(image);
            return (CropWidth == width && CropHeight == height ? rgbOnly : PillowResampler.Bilinear(rgbOnly, 3, width, height, CropWidth, CropHeight),
                3, CropWidth, CropHeight);
        }
        if (DoResize)
        {
            if (width <= height) { newW = ShortestEdge; newH = (int)((long)ShortestEdge * height / width); }
            else { newH = ShortestEdge; newW = (int)((long)ShortestEdge * width / height); }
        }
        if (newW == width && newH == height) return (image.Rgba, 4, width, height);   // Pillow returns a copy: no filter, no alpha round trip
        if (Convention == ClipPreprocessing.OpenAi && image.Mode == PixelMode.Palette)
            return (PillowResampler.Nearest(image.Rgba, 4, width, height, newW, newH), 4, newW, newH);
        if (Convention == ClipPreprocessing.OpenAi && image.HasAlpha)
            return (PillowResampler.BicubicPremultiplied(image.Rgba, width, height, newW, newH), 4, newW, newH);
        return (PillowResampler.Bicubic(ToRgb(image), 3, width, height, newW, newH), 3, newW, newH);
    }

    /// <summary>The image's RGB bytes, alpha dropped (Pillow's <c>convert("RGB")</c>).</summary>
    static byte[] ToRgb(DecodedImage image)
    {
        var rgb = new byte[image.Width * image.Height * 3];
        for (int i = 0, j = 0; j < rgb.Length; i += 4, j += 3) (rgb[j], rgb[j + 1], rgb[j + 2]) = (image.Rgba[i], image.Rgba[i + 1], image.Rgba[i + 2]);
        return rgb;
    }
}
