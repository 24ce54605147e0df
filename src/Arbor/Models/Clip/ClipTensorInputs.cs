using Arbor.IO;
using static TorchSharp.torch;

namespace Arbor.Models.Clip;

/// <summary>
/// Checks tensors handed to a CLIP model from a file (<c>arbor clip embed --pixels/--tokens</c>) before they reach it, so
/// a wrong dtype, shape, value or id is an error naming the file and the tensor rather than a native failure or a silently
/// wrong result. Policy (docs/input-policies.md): pixels must be floating point and finite; token ids must be integers
/// inside the vocabulary, and every row must hold the end-of-text token the model pools at.
/// </summary>
internal static class ClipTensorInputs
{
    /// <summary>The name <c>pixel_values</c> as float32 [B, C, H, W] matching the vision tower.</summary>
    public static Tensor Pixels(SafeTensorsContent file, string path, ClipConfig config, string name = "pixel_values")
    {
        var t = Get(file, path, name);
        var stored = file.StoredDType(name);
        if (!t.is_floating_point())
            throw new ArborException($"'{name}' holds {stored}; pixel values must be floating point (F32, F16, BF16 or F64), already normalised", path);
        var v = config.Vision;
        if (t.dim() != 4 || t.shape[0] < 1 || t.shape[1] != v.NumChannels || t.shape[2] != v.ImageSize || t.shape[3] != v.ImageSize)
            throw new ArborException($"'{name}' is [{string.Join(", ", t.shape)}]; the model takes [B ≥ 1, {v.NumChannels}, {v.ImageSize}, {v.ImageSize}]", path);
        using (var finite = t.isfinite().all())
            if (!finite.item<bool>())
                throw new ArborException($"'{name}' holds NaN or infinite values", path);
        return t.to_type(ScalarType.Float32);
    }

    /// <summary>The name <c>input_ids</c> as int64 [T, L] with 2 ≤ L ≤ the model's positions and an EOS in every row.</summary>
    public static Tensor TokenIds(SafeTensorsContent file, string path, ClipConfig config, string name = "input_ids")
    {
        var t = Get(file, path, name);
        var stored = file.StoredDType(name);
        if (stored is not ("I64" or "I32"))
            throw new ArborException($"'{name}' holds {stored}; token ids must be integers (I64 or I32)", path);
        var text = config.Text;
        if (t.dim() != 2 || t.shape[0] < 1 || t.shape[1] < 2 || t.shape[1] > text.MaxPositionEmbeddings)
            throw new ArborException($"'{name}' is [{string.Join(", ", t.shape)}]; expected [T ≥ 1, L] with 2 ≤ L ≤ {text.MaxPositionEmbeddings}", path);
        var ids = t.to_type(ScalarType.Int64);
        long min = ids.min().item<long>(), max = ids.max().item<long>();
        if (min < 0 || max >= text.VocabSize)
            throw new ArborException($"'{name}' holds ids outside the vocabulary 0..{text.VocabSize - 1} (found {min}..{max})", path);
        // Legacy OpenAI exports (eos_token_id 2) pool at the largest id, which every row has; the others pool at EOS.
        if (text.EosTokenId != 2)
        {
            using var hasEos = ids.eq(text.EosTokenId).any(1);
            var rows = hasEos.data<bool>().ToArray();
            int missing = Array.IndexOf(rows, false);
            if (missing >= 0)
                throw new ArborException($"'{name}' row {missing} has no end-of-text token (id {text.EosTokenId}); the model pools " +
                    "its text feature there, so tokenize with EOS (e.g. Hugging Face's CLIPTokenizer)", path);
        }
        return ids;
    }

    static Tensor Get(SafeTensorsContent file, string path, string name) =>
        file.TryGetValue(name, out var t) ? t
            : throw new ArborException($"no tensor '{name}' (found: {string.Join(", ", file.Keys.Take(8))})", path);
}
