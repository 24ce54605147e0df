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
    /// <summary>Pad by <see cref="BatchAugmentation.Padding"/> pixels (zeros) and crop back at a random integer offset (one gather).</summary>
    PadCrop,
    /// <summary>Crop a random area fraction and aspect ratio and resize it back (bilinear), as SimCLR / CLIP training.</summary>
    ResizedCrop,
}

/// <summary>
/// Augmentation applied to a batch at once with torch ops: pad-crop and flip as one gather (resized crop as one
/// affine_grid + grid_sample), then brightness and contrast as one per-sample affine map, saturation jitter and random
/// grayscale. No per-image loop. Random parameters are drawn for the whole batch first and then applied, so a
/// data-parallel rank can augment only its own rows (<see cref="IRowwiseBatchTransform"/>).
/// </summary>
public sealed record BatchAugmentation : IRowwiseBatchTransform
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

    /// <summary>Hue shift drawn from [−h, h] (fraction of the colour wheel, RGB only; h ≤ 0.5); 0 disables.</summary>
    public double Hue { get; init; }

    /// <summary>
    /// Probability that a sample gets the colour jitter at all (torchvision's <c>RandomApply([ColorJitter], p)</c>); the
    /// others keep their colours. Default 1: always.
    /// </summary>
    public double JitterProbability { get; init; } = 1.0;

    /// <summary>Probability of turning an RGB image grey.</summary>
    public double GrayscaleProbability { get; init; }

    /// <summary>Small images (Fashion-MNIST, CIFAR): pad-4 random crop and flip.</summary>
    public static BatchAugmentation PadCropFlip(int padding = 4) => new() { Crop = CropKind.PadCrop, Padding = padding };

    /// <summary>Contrastive views (SupCon / HMLC style): resized crop 0.2–1, flip, colour jitter 0.4, grayscale 0.2.</summary>
    public static BatchAugmentation Contrastive(double scaleMin = 0.2, double jitterProbability = 1.0, double grayscaleProbability = 0.2,
        double hue = 0) => new()
    {
        Crop = CropKind.ResizedCrop, ScaleMin = scaleMin, Brightness = 0.4, Contrast = 0.4, Saturation = 0.4, Hue = hue,
        JitterProbability = jitterProbability, GrayscaleProbability = grayscaleProbability,
    };

    public Tensor Apply(Tensor images, torch.Generator generator) => ApplyToRows(images, images.shape[0], 0, generator);

    /// <summary>
    /// Draws every random number of a batch of <paramref name="batchSize"/> (in the order one process always drew them),
    /// then augments only <paramref name="rows"/>, the batch's rows from <paramref name="firstRow"/> on: what one rank of a
    /// data-parallel run needs. Each image's result depends only on its own pixels and its own drawn row.
    /// </summary>
    public Tensor ApplyToRows(Tensor rows, long batchSize, long firstRow, torch.Generator generator)
    {
        if (rows.dim() != 4) throw new ArgumentException($"expected [B, C, H, W], got [{string.Join(", ", rows.shape)}]");
        DrawnRows.Check(batchSize, firstRow, rows.shape[0]);
        using var scope = torch.NewDisposeScope();
        var drawn = Draw(batchSize, rows.shape[1], generator).Rows(firstRow, rows.shape[0]);
        var x = Augment(rows, drawn);
        if (ReferenceEquals(x, rows)) x = rows.alias();
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The random parameters of every sample of a batch of <paramref name="b"/> images of <paramref name="c"/> channels, as
    /// [b, …] tensors. Everything derived from them alone (crop matrices, jitter factors) is computed here on the whole
    /// batch too, so a part's rows hold the very values the whole batch computes.
    /// </summary>
    AugmentationDraw Draw(long b, long c, torch.Generator generator)
    {
        Tensor Uniform(double lo, double hi) => torch.rand(new[] { b }, generator: generator).mul_(hi - lo).add_(lo);
        var drawn = new AugmentationDraw();
        if (Crop == CropKind.ResizedCrop) drawn.Theta = ResizedCropMatrices(b, generator, Uniform);
        else if (Crop == CropKind.PadCrop || FlipProbability > 0)
        {
            if (FlipProbability > 0) drawn.Flip = torch.rand(new[] { b }, generator: generator).lt(FlipProbability);
            if (Crop == CropKind.PadCrop && Padding > 0)
            {
                drawn.ShiftRows = torch.randint(-Padding, Padding + 1, new[] { b, 1 }, generator: generator);
                drawn.ShiftCols = torch.randint(-Padding, Padding + 1, new[] { b, 1 }, generator: generator);
            }
        }

        // RandomApply: samples outside the jitter draw get neutral factors (1 for scales, 0 for the hue shift). The draw
        // is made only when p < 1, so runs with p = 1 see exactly the random stream they always did.
        Tensor? jittered = JitterProbability < 1 ? torch.rand(new[] { b }, generator: generator).lt(JitterProbability) : null;
        Tensor Factor(double spread) => jittered is null ? Uniform(1 - spread, 1 + spread)
            : torch.where(jittered, Uniform(1 - spread, 1 + spread), torch.ones(b));
        if (Brightness > 0 || Contrast > 0)
        {
            drawn.Brightness = Brightness > 0 ? Factor(Brightness) : torch.ones(b);
            if (Contrast > 0) drawn.Contrast = Factor(Contrast);
        }
        if (Saturation > 0 && c == 3) drawn.Saturation = Factor(Saturation);
        if (Hue > 0 && c == 3)
        {
            var shift = Uniform(-Hue, Hue);
            drawn.HueShift = jittered is null ? shift : torch.where(jittered, shift, torch.zeros(b));
        }
        if (GrayscaleProbability > 0 && c == 3)
            drawn.ToGray = torch.rand(new[] { b }, generator: generator).lt(GrayscaleProbability);
        return drawn;
    }

    /// <summary>Applies drawn parameters (one row per image of <paramref name="images"/>) with the batch's torch ops.</summary>
    Tensor Augment(Tensor images, AugmentationDraw drawn)
    {
        long b = images.shape[0], c = images.shape[1], h = images.shape[2], w = images.shape[3];
        var x = images;
        if (drawn.Theta is { } theta)
        {
            var grid = F.affine_grid(theta, new[] { b, c, h, w }, align_corners: false);
            x = F.grid_sample(x, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Zeros, align_corners: false);
        }
        else if (Crop == CropKind.PadCrop || FlipProbability > 0) x = ShiftAndFlip(x, drawn);

        // Brightness b then contrast c around the mean grey m fold into one affine map per sample:
        // ((x·b − m·b)·c + m·b) = x·(b·c) + m·b·(1 − c).
        if (drawn.Brightness is { } scale)
        {
            var offset = torch.zeros(b);
            if (drawn.Contrast is { } contrast)
            {
                var mean = Gray(x).mean(new long[] { 1, 2, 3 });
                offset = mean * scale * (1 - contrast);
                scale = scale * contrast;
            }
            x = torch.addcmul(offset.view(b, 1, 1, 1), x, scale.view(b, 1, 1, 1), 1);
        }
        if (drawn.Saturation is { } saturation)
        {
            var gray = Gray(x);
            x = (x - gray) * saturation.view(b, 1, 1, 1) + gray;
        }
        if (drawn.HueShift is { } shift) x = ShiftHue(x.clamp(0, 1), shift);
        if (drawn.ToGray is { } toGray) x = torch.where(toGray.view(b, 1, 1, 1), Gray(x).expand_as(x), x);
        if (Brightness > 0 || Contrast > 0 || Saturation > 0 || Hue > 0) x = x.clamp(0, 1);
        return x;
    }

    /// <summary>
    /// Whole-pixel shifts in [-padding, padding] (zeros where the shifted image leaves the frame) and horizontal flips as one
    /// gather over the flattened pixels: output (i, j) = input (i + dy, j' + dx) with j' = j or W − 1 − j.
    /// </summary>
    static Tensor ShiftAndFlip(Tensor x, AugmentationDraw drawn)
    {
        long b = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        var cols = torch.arange(w, dtype: ScalarType.Int64).unsqueeze(0).expand(b, w);
        if (drawn.Flip is { } flip) cols = torch.where(flip.unsqueeze(1), (w - 1) - cols, cols);
        var rows = torch.arange(h, dtype: ScalarType.Int64).unsqueeze(0).expand(b, h);
        if (drawn.ShiftRows is { } dy && drawn.ShiftCols is { } dx)
        {
            rows = rows + dy;
            cols = cols + dx;
        }
        var linear = rows.clamp(0, h - 1).unsqueeze(2) * w + cols.clamp(0, w - 1).unsqueeze(1);             // [B, H, W]
        var shifted = x.reshape(b, c, h * w).gather(2, linear.view(b, 1, h * w).expand(b, c, h * w)).view(b, c, h, w);
        if (drawn.ShiftRows is null) return shifted;
        var inside = rows.ge(0).logical_and(rows.lt(h)).unsqueeze(2).logical_and(cols.ge(0).logical_and(cols.lt(w)).unsqueeze(1));
        return shifted.mul_(inside.unsqueeze(1));
    }

    /// <summary>
    /// Affine matrices [B, 2, 3] of random area / aspect crops (with flips) in affine_grid's normalised coordinates, which
    /// resize each crop back to the input size in one affine_grid + grid_sample.
    /// </summary>
    Tensor ResizedCropMatrices(long b, torch.Generator generator, Func<double, double, Tensor> uniform)
    {
        // Crop half-extents in normalised coordinates ([-1, 1] spans the image): area s, aspect r.
        var area = uniform(ScaleMin, ScaleMax);
        var ratio = uniform(Math.Log(RatioMin), Math.Log(RatioMax)).exp_();
        var sx = (area * ratio).sqrt_().clamp_(max: 1.0);
        var sy = (area / ratio).sqrt_().clamp_(max: 1.0);
        var tx = uniform(-1, 1).mul_(1 - sx);
        var ty = uniform(-1, 1).mul_(1 - sy);
        if (FlipProbability > 0)
        {
            var flip = torch.rand(new[] { b }, generator: generator).lt(FlipProbability);
            sx = torch.where(flip, -sx, sx);
        }
        var zero = torch.zeros(b);
        return torch.stack(new[] { sx, zero, tx, zero, sy, ty }, dim: 1).reshape(b, 2, 3);
    }

    /// <summary>
    /// Rotates every image's hue by its own <paramref name="shift"/> [B] (fractions of the wheel) through HSV, with
    /// torchvision's conversion formulas, for a batch of RGB images in [0, 1].
    /// </summary>
    internal static Tensor ShiftHue(Tensor x, Tensor shift)
    {
        long b = x.shape[0];
        var (r, g, bl) = (x[.., 0], x[.., 1], x[.., 2]);
        var max = x.amax(1);
        var min = x.amin(1);
        var chroma = max - min;
        var grey = max.eq(min);
        var saturation = chroma / torch.where(grey, torch.ones_like(max), max);
        var divisor = torch.where(grey, torch.ones_like(chroma), chroma);
        var (rc, gc, bc) = ((max - r) / divisor, (max - g) / divisor, (max - bl) / divisor);
        var isR = max.eq(r);
        var isG = max.eq(g).logical_and(isR.logical_not());
        var isB = isR.logical_or(isG).logical_not();
        var hue6 = isR * (bc - gc) + isG * (rc - bc + 2) + isB * (gc - rc + 4);
        var hue = (hue6 / 6 + 1).remainder(1.0);
        hue = (hue + shift.view(b, 1, 1)).remainder(1.0);

        // Back to RGB: sector i = ⌊6h⌋, fraction f; each channel picks one of v, p, q, t by sector.
        var h6 = hue * 6;
        var sector = h6.floor();
        var f = h6 - sector;
        var index = sector.to(ScalarType.Int64).remainder(6).unsqueeze(1);           // [B, 1, H, W]
        var v = max;
        var p = (v * (1 - saturation)).clamp(0, 1);
        var q = (v * (1 - saturation * f)).clamp(0, 1);
        var t = (v * (1 - saturation * (1 - f))).clamp(0, 1);
        Tensor Pick(params Tensor[] bySector) => torch.stack(bySector, 1).gather(1, index);
        return torch.cat(new[] { Pick(v, q, p, p, t, v), Pick(t, v, v, q, p, p), Pick(p, p, t, v, v, q) }, 1);
    }

    /// <summary>Luma (ITU-R 601) [B, 1, H, W] of an RGB or grayscale batch.</summary>
    internal static Tensor Gray(Tensor x)
    {
        if (x.shape[1] == 1) return x;
        using var weights = torch.tensor(new[] { 0.299f, 0.587f, 0.114f }).view(1, 3, 1, 1);
        return (x * weights).sum(1, keepdim: true);
    }
}

/// <summary>
/// The random parameters <see cref="BatchAugmentation"/> drew for a batch, one row per sample (null: that step is off).
/// </summary>
internal sealed class AugmentationDraw
{
    /// <summary>Resized crop (and flip): affine matrices [B, 2, 3].</summary>
    public Tensor? Theta;
    /// <summary>Horizontal flip of the pad-crop path, bool [B].</summary>
    public Tensor? Flip;
    /// <summary>Pad-crop shifts in pixels, int64 [B, 1] each.</summary>
    public Tensor? ShiftRows, ShiftCols;
    /// <summary>Brightness factor [B] (ones when only contrast is on), contrast factor [B].</summary>
    public Tensor? Brightness, Contrast;
    /// <summary>Saturation factor [B], hue shift [B] (fraction of the wheel), grayscale choice bool [B].</summary>
    public Tensor? Saturation, HueShift, ToGray;

    /// <summary>The parameters of rows [first, first + count) (this draw itself for every row).</summary>
    public AugmentationDraw Rows(long first, long count) => new()
    {
        Theta = DrawnRows.Of(Theta, first, count), Flip = DrawnRows.Of(Flip, first, count),
        ShiftRows = DrawnRows.Of(ShiftRows, first, count), ShiftCols = DrawnRows.Of(ShiftCols, first, count),
        Brightness = DrawnRows.Of(Brightness, first, count), Contrast = DrawnRows.Of(Contrast, first, count),
        Saturation = DrawnRows.Of(Saturation, first, count), HueShift = DrawnRows.Of(HueShift, first, count),
        ToGray = DrawnRows.Of(ToGray, first, count),
    };
}
