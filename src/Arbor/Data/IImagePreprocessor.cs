namespace Arbor.Data;

/// <summary>
/// A model's own image preprocessing (e.g. CLIP's <c>ClipImageProcessor</c>): how any decoded image becomes the model's
/// input size. When <see cref="BatchLoaderOptions.Preprocessor"/> is set, <see cref="BatchLoader"/> uses it for every image
/// instead of its generic resize, then scales to [0, 1] (×<see cref="RescaleFactor"/>·255), augments and normalises with
/// <see cref="Normalization"/> — the order torchvision's <c>ToTensor</c> + <c>Normalize</c> use.
/// </summary>
public interface IImagePreprocessor
{
    /// <summary>Output height and width in pixels.</summary>
    (int Height, int Width) OutputSize { get; }

    /// <summary>Normalisation applied after scaling (mean/std per RGB channel).</summary>
    Normalization Normalization { get; }

    /// <summary>Factor from 8-bit values to the model's scale (1/255 maps to [0, 1]).</summary>
    float RescaleFactor { get; }

    /// <summary>Resizes and crops one image into RGB planes [3, Height, Width] (uint8, before scaling).</summary>
    void ResizeAndCrop(DecodedImage image, Span<byte> planes);
}
