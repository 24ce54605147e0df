using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Arbor.Data;

/// <summary>
/// A transform of a whole batch, float32 [B, C, H, W] in [0, 1] → same layout, drawing every random number from
/// <c>generator</c> (seeded by the loader from seed, epoch and batch index, so results do not depend on threads).
/// </summary>
public interface IBatchTransform
{
    Tensor Apply(Tensor images, torch.Generator generator);
}

/// <summary>Geometric part of <see cref="BatchAugmentation"/>.</summary>
public enum CropKind
{
    /// <summary>No crop.</summary>
    None,
    /// <summary>Pad by <see cref="BatchAugmentation.Padding"/> pixels (zeros) and crop back at a random integer offset.</summary>
    PadCrop,
    /// <summary>Crop a random area fraction and aspect ratio and resize it back (bilinear), as SimCLR / CLIP training.</summary>
    ResizedCrop,
}

/// <summary>
/// Augmentation applied to a batch at once with torch ops: one affine_grid + grid_sample for crop and horizontal flip, then
/// brightness, contrast and saturation jitter and random grayscale as per-sample factors. No per-image loop.
/// </summary>
public sealed record BatchAugmentation : IBatchTransform
{
    public CropKind Crop { get; init; } = CropKind.None;

    /// <summary>Padding of <see cref="CropKind.PadCrop"/>, pixels.</summary>
    public int Padding { get; init; } = 4;

    /// <summary>Area fraction range of <see cref="CropKind.ResizedCrop"/>.</summary>
    public double ScaleMin { get; init; } = 0.2;
    public double ScaleMax { get; init; } = 1.0;

    /// <summary>Aspect-ratio range (width / height) of <see cref="CropKind.ResizedCrop"/>.</summary>
    public double RatioMin { get; init; } = 3.0 / 4.0;
    public double RatioMax { get; init; } = 4.0 / 3.0;

    /// <summary>Probability of a horizontal flip.</summary>
    public double FlipProbability { get; init; } = 0.5;

    /// <summary>Brightness factor drawn from [1 − b, 1 + b]; 0 disables.</summary>
    public double Brightness { get; init; }

    /// <summary>Contrast factor drawn from [1 − c, 1 + c] around the image's mean grey; 0 disables.</summary>
    public double Contrast { get; init; }

    /// <summary>Saturation factor drawn from [1 − s, 1 + s] (RGB only); 0 disables.</summary>
    public double Saturation { get; init; }

    /// <summary>Probability of turning an RGB image grey.</summary>
    public double GrayscaleProbability { get; init; }

    /// <summary>Small images (Fashion-MNIST, CIFAR): pad-4 random crop and flip.</summary>
    public static BatchAugmentation PadCropFlip(int padding = 4) => new() { Crop = CropKind.PadCrop, Padding = padding };

    /// <summary>Contrastive views (SupCon / HMLC style): resized crop 0.2–1, flip, colour jitter 0.4, grayscale 0.2.</summary>
    public static BatchAugmentation Contrastive(double scaleMin = 0.2) => new()
    {
        Crop = CropKind.ResizedCrop, ScaleMin = scaleMin, Brightness = 0.4, Contrast = 0.4, Saturation = 0.4, GrayscaleProbability = 0.2,
    };

    public Tensor Apply(Tensor images, torch.Generator generator)
    {
        if (images.dim() != 4) throw new ArgumentException($"expected [B, C, H, W], got [{string.Join(", ", images.shape)}]");
        using var scope = torch.NewDisposeScope();
        long b = images.shape[0], c = images.shape[1], h = images.shape[2], w = images.shape[3];
        Tensor Uniform(double lo, double hi) => torch.rand(new[] { b }, generator: generator).mul_(hi - lo).add_(lo);

        var x = images;
        if (Crop != CropKind.None || FlipProbability > 0)
        {
            var sx = torch.ones(b);
            var sy = torch.ones(b);
            var tx = torch.zeros(b);
            var ty = torch.zeros(b);
            if (Crop == CropKind.ResizedCrop)
            {
                // Crop half-extents in normalised coordinates ([-1, 1] spans the image): area s, aspect r.
                var area = Uniform(ScaleMin, ScaleMax);
                var logRatio = Uniform(Math.Log(RatioMin), Math.Log(RatioMax)).exp_();
                sx = (area * logRatio).sqrt_().clamp_(max: 1.0);
                sy = (area / logRatio).sqrt_().clamp_(max: 1.0);
                tx = Uniform(-1, 1).mul_(1 - sx);
                ty = Uniform(-1, 1).mul_(1 - sy);
            }
            else if (Crop == CropKind.PadCrop)
            {
                // Integer shifts in [-p, p]: with align_corners=false a shift of k pixels is 2k/size and lands on pixel centres.
                tx = torch.randint(-Padding, Padding + 1, new[] { b }, generator: generator).to_type(ScalarType.Float32).mul_(2.0 / w);
                ty = torch.randint(-Padding, Padding + 1, new[] { b }, generator: generator).to_type(ScalarType.Float32).mul_(2.0 / h);
            }
            if (FlipProbability > 0)
            {
                var flip = torch.rand(new[] { b }, generator: generator).lt(FlipProbability);
                sx = torch.where(flip, -sx, sx);
            }
            var zero = torch.zeros(b);
            var theta = torch.stack(new[] { sx, zero, tx, zero, sy, ty }, dim: 1).reshape(b, 2, 3);
            var grid = F.affine_grid(theta, new[] { b, c, h, w }, align_corners: false);
            x = F.grid_sample(x, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Zeros, align_corners: false);
        }

        if (Brightness > 0) x = x * Uniform(1 - Brightness, 1 + Brightness).view(b, 1, 1, 1);
        if (Contrast > 0)
        {
            var mean = Gray(x).mean(new long[] { 1, 2, 3 }, keepdim: true);
            x = (x - mean) * Uniform(1 - Contrast, 1 + Contrast).view(b, 1, 1, 1) + mean;
        }
        if (Saturation > 0 && c == 3)
        {
            var gray = Gray(x);
            x = (x - gray) * Uniform(1 - Saturation, 1 + Saturation).view(b, 1, 1, 1) + gray;
        }
        if (GrayscaleProbability > 0 && c == 3)
        {
            var toGray = torch.rand(new[] { b }, generator: generator).lt(GrayscaleProbability).view(b, 1, 1, 1);
            x = torch.where(toGray, Gray(x).expand_as(x), x);
        }
        if (Brightness > 0 || Contrast > 0 || Saturation > 0) x = x.clamp(0, 1);
        if (ReferenceEquals(x, images)) x = images.alias();
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>Luma (ITU-R 601) [B, 1, H, W] of an RGB or grayscale batch.</summary>
    internal static Tensor Gray(Tensor x)
    {
        if (x.shape[1] == 1) return x;
        using var weights = torch.tensor(new[] { 0.299f, 0.587f, 0.114f }).view(1, 3, 1, 1);
        return (x * weights).sum(1, keepdim: true);
    }
}
