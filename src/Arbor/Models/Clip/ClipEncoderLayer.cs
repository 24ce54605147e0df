using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Arbor.Models.Clip;

/// <summary>The two-layer MLP of a CLIP block (<c>fc1</c>, activation, <c>fc2</c>).</summary>
public sealed class ClipMlp : nn.Module
{
#pragma warning disable IDE1006
    readonly Linear fc1, fc2;
#pragma warning restore IDE1006
    readonly Func<Tensor, Tensor> _activation;
    readonly long _width, _intermediate;

    /// <summary>
    /// Largest intermediate activation computed in one piece. glibc's malloc serves every block above 32 MB with fresh
    /// mmap'd pages (that threshold cannot be raised), so a larger tensor pays a page fault per 4 KB page on first touch,
    /// on every call; on this machine that made sigmoid over 40 MB about 20× slower per element than over 30 MB. The text
    /// tower at batch 64 (64 × 77 × 2048 floats = 40 MB) crossed it; row chunks below it run at full speed.
    /// </summary>
    internal const long DefaultMaxActivationBytes = 24L << 20;

    /// <summary>The chunking limit (<see cref="DefaultMaxActivationBytes"/>); tests lower it to force chunks on small inputs.</summary>
    internal long MaxActivationBytes { get; set; } = DefaultMaxActivationBytes;

    public ClipMlp(int width, int intermediate, string activation) : base(nameof(ClipMlp))
    {
        fc1 = nn.Linear(width, intermediate);
        fc2 = nn.Linear(intermediate, width);
        _activation = ClipActivation.Get(activation);
        _width = width;
        _intermediate = intermediate;
        RegisterComponents();
    }

    /// <summary>[.., width] → [.., width]; large inputs run in row chunks (each row is independent, so the result is the same).</summary>
    public Tensor Forward(Tensor x)
    {
        long width = x.shape[^1];
        long rows = x.numel() / width;
        long bytes = rows * _intermediate * x.element_size();
        if (bytes <= MaxActivationBytes) return Dense(x);
        long pieces = (bytes + MaxActivationBytes - 1) / MaxActivationBytes;
        long step = (rows + pieces - 1) / pieces;
        using var scope = torch.NewDisposeScope();
        var flat = x.reshape(rows, width);
        var outputs = new List<Tensor>();
        for (long start = 0; start < rows; start += step)
            outputs.Add(Dense(flat.narrow(0, start, Math.Min(step, rows - start))));
        var shape = x.shape.ToArray();
        shape[^1] = _width;   // not fc2.weight: each read of a module's weight makes a native handle only a finalizer frees
        return torch.cat(outputs, 0).view(shape).MoveToOuterDisposeScope();
    }

    Tensor Dense(Tensor x)
    {
        using var h = fc1.forward(x);
        using var a = _activation(h);
        return fc2.forward(a);
    }
}

/// <summary>A pre-LayerNorm transformer block: x + attn(ln1(x)), then x + mlp(ln2(x)) (Hugging Face <c>CLIPEncoderLayer</c>).</summary>
public sealed class ClipEncoderLayer : nn.Module
{
#pragma warning disable IDE1006
    readonly ClipAttention self_attn;
    readonly LayerNorm layer_norm1, layer_norm2;
    readonly ClipMlp mlp;
#pragma warning restore IDE1006

    public ClipEncoderLayer(int width, int heads, int intermediate, string activation, double eps) : base(nameof(ClipEncoderLayer))
    {
        self_attn = new ClipAttention(width, heads);
        layer_norm1 = nn.LayerNorm(width, eps);
        mlp = new ClipMlp(width, intermediate, activation);
        layer_norm2 = nn.LayerNorm(width, eps);
        RegisterComponents();
    }

    public Tensor Forward(Tensor x, bool causal)
    {
        using var n1 = layer_norm1.forward(x);
        using var a = self_attn.Forward(n1, causal);
        using var h = x.add(a, CachedScalars.One);
        using var n2 = layer_norm2.forward(h);
        using var m = mlp.Forward(n2);
        return h.add(m, CachedScalars.One);
    }
}

/// <summary>
/// The stack of blocks (<c>encoder.layers.{i}</c>). A hook may rewrite the hidden states before each layer j ≥ 1 —
/// this is where deep prompts replace the previous layer's prompt tokens.
/// </summary>
public sealed class ClipEncoder : nn.Module
{
#pragma warning disable IDE1006
    readonly ModuleList<ClipEncoderLayer> layers;
#pragma warning restore IDE1006

    public ClipEncoder(int width, int heads, int intermediate, int count, string activation, double eps) : base(nameof(ClipEncoder))
    {
        layers = new ModuleList<ClipEncoderLayer>(
            Enumerable.Range(0, count).Select(_ => new ClipEncoderLayer(width, heads, intermediate, activation, eps)).ToArray());
        RegisterComponents();
    }

    /// <summary>Number of blocks.</summary>
    public int Count => layers.Count;

    /// <summary>
    /// Runs every block. <paramref name="beforeLayer"/>(j, h) is called before block j for j ≥ 1 and returns the hidden
    /// states block j sees. Intermediate tensors are freed as soon as they are used; the input is not disposed.
    /// </summary>
    public Tensor Forward(Tensor hidden, bool causal, Func<int, Tensor, Tensor>? beforeLayer = null)
    {
        var h = hidden;
        for (int j = 0; j < layers.Count; j++)
        {
            if (j > 0 && beforeLayer is not null)
            {
                var rewritten = beforeLayer(j, h);
                if (!ReferenceEquals(rewritten, h) && !ReferenceEquals(h, hidden)) h.Dispose();
                h = rewritten;
            }
            var next = layers[j].Forward(h, causal);
            if (!ReferenceEquals(h, hidden)) h.Dispose();
            h = next;
        }
        return ReferenceEquals(h, hidden) ? hidden.alias() : h;
    }
}
