using Arbor.Models.Clip;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Tests.Clip;

/// <summary>
/// An independent, deliberately plain CLIP forward written from the Hugging Face definitions (explicit softmax
/// attention with an additive causal mask, per-head loops, no scaled_dot_product_attention), reading weights by their
/// checkpoint keys. Tests compare the model against it; prompt replacement is done here step by step as specified.
/// </summary>
internal sealed class ClipReference(ClipModel model)
{
    readonly Dictionary<string, Tensor> _w = model.state_dict();
    readonly ClipConfig _c = model.Config;

    Tensor W(string key) => _w[key];

    static Tensor Act(string name, Tensor x) => name switch
    {
        "quick_gelu" => x * torch.sigmoid(1.702 * x),
        "gelu" => 0.5 * x * (1 + torch.special.erf(x / Math.Sqrt(2))),
        _ => throw new NotSupportedException(name),
    };

    Tensor Linear(Tensor x, string key, bool bias = true) =>
        bias ? x.matmul(W(key + ".weight").t()) + W(key + ".bias") : x.matmul(W(key + ".weight").t());

    Tensor Norm(Tensor x, string key, double eps)
    {
        var mean = x.mean([-1], keepdim: true);
        var variance = (x - mean).pow(2).mean([-1], keepdim: true);
        return (x - mean) / torch.sqrt(variance + eps) * W(key + ".weight") + W(key + ".bias");
    }

    Tensor Block(Tensor x, string p, int heads, string act, double eps, bool causal)
    {
        long l = x.shape[1], w = x.shape[2], d = w / heads;
        var h = Norm(x, p + ".layer_norm1", eps);
        var q = Linear(h, p + ".self_attn.q_proj");
        var k = Linear(h, p + ".self_attn.k_proj");
        var v = Linear(h, p + ".self_attn.v_proj");
        var outs = new List<Tensor>();
        for (int i = 0; i < heads; i++)
        {
            var s = (int)(i * d);
            var e = (int)((i + 1) * d);
            var scores = q[.., .., s..e].matmul(k[.., .., s..e].transpose(1, 2)) / Math.Sqrt(d);
            if (causal) scores = scores + torch.full(l, l, float.NegativeInfinity).triu(1);
            outs.Add(scores.softmax(-1).matmul(v[.., .., s..e]));
        }
        x = x + Linear(torch.cat(outs, -1), p + ".self_attn.out_proj");
        var m = Linear(Act(act, Linear(Norm(x, p + ".layer_norm2", eps), p + ".mlp.fc1")), p + ".mlp.fc2");
        return x + m;
    }

    /// <summary>Projected text features, with prompts applied as the brief specifies.</summary>
    public Tensor Text(Tensor ids, Tensor? shallow = null, IReadOnlyList<Tensor>? deep = null)
    {
        var t = _c.Text;
        long n = ids.shape[0], l = ids.shape[1];
        var x = W("text_model.embeddings.token_embedding.weight").index_select(0, ids.flatten()).view(n, l, -1);
        if (shallow is not null)
        {
            var parts = x.clone();
            parts[.., 1..(int)(1 + shallow.shape[0])] = shallow;
            x = parts;
        }
        x = x + W("text_model.embeddings.position_embedding.weight")[..(int)l];
        for (int j = 0; j < t.NumHiddenLayers; j++)
        {
            if (deep is not null && j >= 1 && j <= deep.Count)
            {
                var replaced = x.clone();
                replaced[.., 1..(int)(1 + deep[j - 1].shape[0])] = deep[j - 1];
                x = replaced;
            }
            x = Block(x, $"text_model.encoder.layers.{j}", t.NumAttentionHeads, t.HiddenAct, t.LayerNormEps, causal: true);
        }
        x = Norm(x, "text_model.final_layer_norm", t.LayerNormEps);
        var rows = new List<Tensor>();
        for (int i = 0; i < n; i++)
        {
            var row = ids[i].data<long>().ToArray();
            int pos = t.EosTokenId == 2 ? Array.IndexOf(row, row.Max()) : Math.Max(0, Array.IndexOf(row, (long)t.EosTokenId));
            rows.Add(x[i, pos]);
        }
        return Linear(torch.stack(rows), "text_projection", bias: false);
    }

    /// <summary>Projected pooled image features and projected non-CLS tokens.</summary>
    public (Tensor Embeds, Tensor Tokens) Vision(Tensor pixels, Tensor? shallow = null, IReadOnlyList<Tensor>? deep = null)
    {
        var v = _c.Vision;
        long b = pixels.shape[0];
        int g = v.ImageSize / v.PatchSize;
        // Patch embedding as an explicit matmul over flattened patches (channel, row, column order as Conv2d's weight).
        var patches = pixels.view(b, v.NumChannels, g, v.PatchSize, g, v.PatchSize).permute(0, 2, 4, 1, 3, 5)
            .reshape(b, g * g, -1);
        var emb = patches.matmul(W("vision_model.embeddings.patch_embedding.weight").reshape(v.HiddenSize, -1).t());
        var cls = W("vision_model.embeddings.class_embedding").expand(b, 1, -1);
        var x = torch.cat([cls, emb], 1) + W("vision_model.embeddings.position_embedding.weight");
        if (shallow is not null) x = torch.cat([x, shallow.expand(b, -1, -1)], 1);
        x = Norm(x, "vision_model.pre_layrnorm", v.LayerNormEps);
        for (int j = 0; j < v.NumHiddenLayers; j++)
        {
            if (deep is not null && j >= 1 && j <= deep.Count)
            {
                long keep = x.shape[1] - deep[j - 1].shape[0];
                x = torch.cat([x[.., ..(int)keep], deep[j - 1].expand(b, -1, -1)], 1);
            }
            x = Block(x, $"vision_model.encoder.layers.{j}", v.NumAttentionHeads, v.HiddenAct, v.LayerNormEps, causal: false);
        }
        var projected = Linear(Norm(x, "vision_model.post_layernorm", v.LayerNormEps), "visual_projection", bias: false);
        return (projected[.., 0], projected[.., 1..]);
    }
}
