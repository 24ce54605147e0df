using System.Diagnostics;
using Arbor.Models.Clip;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Bench;

/// <summary>
/// Per-op timings of one CLIP block for the image tower ([B, 197, 768]) and the text tower ([T, 77, 512]), measured back
/// to back so a loaded machine skews both alike. Reports wall and process CPU milliseconds per call and GFLOP/s.
/// </summary>
internal static class ClipOpsBench
{
    public static void Run(ClipConfig config, int imageBatch, int textBatch, ScalarType type = ScalarType.Float32)
    {
        using var mode = torch.inference_mode();
        var v = config.Vision;
        var t = config.Text;
        var image = new Shape("image", imageBatch, v.NumPatches + 1, v.HiddenSize, v.NumAttentionHeads, v.IntermediateSize);
        var text = new Shape("text", textBatch, t.MaxPositionEmbeddings, t.HiddenSize, t.NumAttentionHeads, t.IntermediateSize);
        Console.WriteLine($"{"op",-28} {"tower",-6} {"wall ms",9} {"cpu ms",9} {"GFLOP/s",8} {"faults",8}");
        // glibc serves blocks above 32 MB with fresh mmap'd pages: the same op costs far more per byte just above that size.
        foreach (long mb in new long[] { 30, 34 })
        {
            using var big = torch.randn(mb * 1024 * 1024 / 4 / 2048, 2048);
            Time($"sigmoid {mb} MB", image with { Name = "-" }, () => big.sigmoid().Dispose(), 0);
        }
        foreach (var shape in new[] { image, text })
        {
            using var layer = new ClipEncoderLayer(shape.Width, shape.Heads, shape.Inter, "quick_gelu", 1e-5);
            layer.to(type).eval();
            long b = shape.Batch, l = shape.Tokens, w = shape.Width, d = w / shape.Heads;
            using var x = torch.randn(b, l, w).to(type);
            using var lin = nn.Linear(w, w).to(type);
            using var fc1 = nn.Linear(w, shape.Inter).to(type);
            using var h1 = torch.randn(b, l, shape.Inter).to(type);
            using var q = torch.randn(b, shape.Heads, l, d).to(type);
            using var k = torch.randn(b, shape.Heads, l, d).to(type);
            using var vv = torch.randn(b, shape.Heads, l, d).to(type);
            using var qT = torch.randn(b, l, shape.Heads, d).to(type).transpose(1, 2);
            using var mask = torch.full(l, l, float.NegativeInfinity).triu(1).to(type);
            using var ln = nn.LayerNorm(w).to(type);
            double tok = b * l;
            Time("layer_norm", shape, () => ln.forward(x).Dispose(), 0);
            Time("linear w→w", shape, () => lin.forward(x).Dispose(), 2 * tok * w * w);
            Time("linear w→4w (fc1)", shape, () => fc1.forward(x).Dispose(), 2 * tok * w * shape.Inter);
            Time("quick_gelu [.., 4w]", shape, () => { using var y = h1 * 1.702; y.sigmoid_().mul_(h1); }, 0);
            Time("sigmoid [.., 4w]", shape, () => h1.sigmoid().Dispose(), 0);
            double attnFlops = 4.0 * b * shape.Heads * l * l * d;
            Time("sdpa none (contig)", shape, () => nn.functional.scaled_dot_product_attention(q, k, vv).Dispose(), attnFlops);
            Time("sdpa none (transposed)", shape, () => nn.functional.scaled_dot_product_attention(qT, qT, qT).Dispose(), attnFlops);
            Time("sdpa is_causal", shape, () => nn.functional.scaled_dot_product_attention(q, k, vv, is_casual: true).Dispose(), attnFlops);
            Time("sdpa explicit mask", shape, () => nn.functional.scaled_dot_product_attention(q, k, vv, mask).Dispose(), attnFlops);
            Time("math: softmax(qk^T)v", shape, () =>
            {
                using var s = torch.matmul(q, k.transpose(-2, -1)).mul_(1.0 / Math.Sqrt(d));
                using var p = s.softmax(-1);
                torch.matmul(p, vv).Dispose();
            }, attnFlops);
            using var mlp = new ClipMlp(shape.Width, shape.Inter, "quick_gelu").to(type);
            using var fc2 = nn.Linear(shape.Inter, w).to(type);
            double mlpFlops = 4 * tok * w * shape.Inter;
            Time("mlp in one piece", shape, () =>
            {
                using var h = fc1.forward(x);
                using var y = h * 1.702;
                y.sigmoid_().mul_(h);
                fc2.forward(y).Dispose();
            }, mlpFlops);
            Time("ClipMlp (row chunks)", shape, () => mlp.Forward(x).Dispose(), mlpFlops);
            {
                // The chunked path must equal the one-piece path: same weights, every row independent.
                using var scope = torch.NewDisposeScope();
                var state = mlp.state_dict();
                var h = nn.functional.linear(x, state["fc1.weight"], state["fc1.bias"]);
                var y = h * torch.sigmoid(h * 1.702);
                var whole = nn.functional.linear(y, state["fc2.weight"], state["fc2.bias"]);
                double diff = (mlp.Forward(x) - whole).abs().max().to(ScalarType.Float32).item<float>();
                Console.WriteLine($"{"  max |chunked - one piece|",-28} {shape.Name,-6} {diff:G3}");
            }
            double layerFlops = 2 * tok * w * (4 * w + 2 * shape.Inter) + attnFlops;
            bool causal = shape.Name == "text";
            Time("whole block", shape, () => layer.Forward(x, causal).Dispose(), layerFlops);
            Time("whole block (no causal)", shape, () => layer.Forward(x, false).Dispose(), layerFlops);
        }
    }

    sealed record Shape(string Name, long Batch, long Tokens, int Width, int Heads, int Inter);

    static void Time(string op, Shape shape, Action step, double flops)
    {
        step();
        var process = Process.GetCurrentProcess();
        int n = 0;
        var watch = Stopwatch.StartNew();
        var cpu0 = process.TotalProcessorTime;
        long faults0 = ClipBench.MinorFaults();
        while (n < 3 || watch.Elapsed.TotalSeconds < 1.0) { step(); n++; }
        double wall = watch.Elapsed.TotalMilliseconds / n;
        process.Refresh();
        double cpu = (process.TotalProcessorTime - cpu0).TotalMilliseconds / n;
        string rate = flops > 0 ? $"{flops / wall / 1e6,8:F1}" : $"{"",8}";
        long faults = (ClipBench.MinorFaults() - faults0) / n;
        Console.WriteLine($"{op,-28} {shape.Name,-6} {wall,9:F1} {cpu,9:F1} {rate} {faults,8}");
    }
}
