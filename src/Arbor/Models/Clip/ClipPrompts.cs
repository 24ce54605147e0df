using static TorchSharp.torch;

namespace Arbor.Models.Clip;

/// <summary>
/// Learnable context tokens for the text tower (CoOp / MaPLe / IVLP style). The prompt text is tokenized with
/// nCtx placeholder words right after BOS, so positions 1..nCtx are context and the EOS position is unchanged.
/// </summary>
/// <param name="Shallow">[nCtx, width] shared by every text, or [T, nCtx, width] one per text: replaces the token
/// embeddings at positions 1..nCtx (before position embeddings are added).</param>
/// <param name="Deep">Optional [nCtx, width] tensors for blocks 1..k: before block j (j ≥ 1) the hidden states at
/// positions 1..nCtx are replaced by <c>Deep[j-1]</c>.</param>
public sealed record TextPrompts(Tensor? Shallow, IReadOnlyList<Tensor>? Deep = null);

/// <summary>Learnable visual prompt tokens (VPT / MaPLe / IVLP style).</summary>
/// <param name="Shallow">[nCtx, width], appended after the patch tokens once position embeddings are added and before
/// <c>pre_layrnorm</c>.</param>
/// <param name="Deep">Optional [nCtx, width] tensors for blocks 1..k: before block j (j ≥ 1) the last nCtx tokens are
/// replaced by <c>Deep[j-1]</c>. Requires <see cref="Shallow"/> of the same length.</param>
public sealed record VisionPrompts(Tensor Shallow, IReadOnlyList<Tensor>? Deep = null);

/// <summary>The vision tower's outputs.</summary>
/// <param name="Embeds">Pooled CLS feature after <c>post_layernorm</c> and <c>visual_projection</c>: [B, projection_dim].</param>
/// <param name="Tokens">Every token but CLS (patches, then visual prompts) after <c>post_layernorm</c> and the projection:
/// [B, patches + nCtx, projection_dim].</param>
public sealed record ClipVisionOutput(Tensor Embeds, Tensor Tokens);
