using Arbor.Hierarchy;
using Arbor.Methods.Hgclip;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Tests.Hgclip;

public class HgclipHeadTests
{
    const int Dim = 8, Batch = 3, Tokens = 5;
    static readonly ClassHierarchy Fashion = BuiltInHierarchies.FashionMnist();   // 2 / 6 / 10

    sealed record Inputs(Tensor Text, Tensor Prototypes, Tensor Image, Tensor Tokens, Tensor LogScale);

    static Inputs RandomInputs(int seed)
    {
        torch.manual_seed(seed);
        return new Inputs(torch.randn(18, Dim), torch.randn(18, Dim), torch.randn(Batch, Dim) * 2, torch.randn(Batch, Tokens, Dim),
            torch.tensor(Math.Log(100.0), ScalarType.Float32));
    }

    static HgclipHead Head(HgclipHeadOptions options, int seed = 11)
    {
        torch.manual_seed(seed);
        return new HgclipHead(Fashion, HgclipTestData.Adjacency(Fashion), Dim, options);
    }

    [Fact]
    public void ReturnsOneLogitsTensorPerLevel()
    {
        using var scope = NewDisposeScope();
        var x = RandomInputs(1);
        var levels = Head(new HgclipHeadOptions()).Forward(x.Text, x.Prototypes, x.Image, x.Tokens, x.LogScale);
        Assert.Equal(new[] { new long[] { 3, 2 }, new long[] { 3, 6 }, new long[] { 3, 10 } }, levels.Select(t => t.shape).ToArray());
    }

    [Fact]
    public void LevelSlicesFollowTheGlobalNodeOrder()
    {
        using var scope = NewDisposeScope();
        var x = RandomInputs(2);
        var head = Head(new HgclipHeadOptions());
        var nodeLogits = head.NodeLogits(x.Text, x.Prototypes, x.Image, x.Tokens, x.LogScale);
        var levels = head.Forward(x.Text, x.Prototypes, x.Image, x.Tokens, x.LogScale);
        foreach (var node in Fashion.Nodes)
            Assert.True(torch.allclose(levels[node.Level - 1][.., node.LocalIndex], nodeLogits[.., node.Index], 0, 0), node.Name);
    }

    [Theory]
    [InlineData(HgclipNormalization.Cosine)]
    [InlineData(HgclipNormalization.Reference)]
    public void BatchedLogitsEqualAPerImageLoop(HgclipNormalization mode)
    {
        using var scope = NewDisposeScope();
        var x = RandomInputs(3);
        var head = Head(new HgclipHeadOptions { Normalization = mode });
        var actual = head.NodeLogits(x.Text, x.Prototypes, x.Image, x.Tokens, x.LogScale);

        bool cosine = mode == HgclipNormalization.Cosine;
        Tensor Norm(Tensor t) => t / t.norm(-1, keepdim: true);
        var text = Norm(head.TextGraph!.forward(x.Text, head.Graph));
        var protos = head.ImageGraph!.forward(x.Prototypes, head.Graph);
        if (cosine) protos = Norm(protos);
        double scale = Math.Exp(x.LogScale.item<float>());
        for (int b = 0; b < Batch; b++)
        {
            // One image as the reference computes it: A = softmax(2 · F_v P̂ᵀ) over nodes, F̂ = A P̂, mean + max over tokens.
            var tokens = cosine ? Norm(x.Tokens[b]) : x.Tokens[b];                          // [Tok, P]
            var a = (tokens.matmul(protos.t()) * 2).softmax(1);                            // [Tok, N]
            var attended = a.matmul(protos);                                                // [Tok, P]
            var pooled = attended.mean(new long[] { 0 }) + attended.max(0).values;          // [P]
            if (cosine) pooled = Norm(pooled);
            var f = cosine ? Norm(x.Image[b]) : x.Image[b];
            var expected = scale * f.matmul(text.t()) + 0.2 * 100 * pooled.matmul(text.t());   // [N]
            Assert.True(torch.allclose(expected, actual[b], 1e-4, 1e-4), $"image {b}: {(expected - actual[b]).abs().max().item<float>()}");
        }
    }

    [Theory]
    [InlineData(HgclipNormalization.Cosine)]
    [InlineData(HgclipNormalization.Reference)]
    public void WithoutGraphsItIsClipZeroShotLogits(HgclipNormalization mode)
    {
        using var scope = NewDisposeScope();
        var x = RandomInputs(4);
        var head = Head(new HgclipHeadOptions { TextGraph = false, VisualGraph = false, Normalization = mode });
        Assert.Empty(head.parameters());
        var actual = head.NodeLogits(x.Text, null, x.Image, null, x.LogScale);
        AssertClipLogits(x, actual);
    }

    [Fact]
    public void CosineHeadWithLambdaZeroIsClipLogitsOfTheEncodedText()
    {
        using var scope = NewDisposeScope();
        var x = RandomInputs(5);
        var head = Head(new HgclipHeadOptions { TextGraph = false, Lambda2 = 0, Normalization = HgclipNormalization.Cosine });
        AssertClipLogits(x, head.NodeLogits(x.Text, x.Prototypes, x.Image, x.Tokens, x.LogScale));
    }

    static void AssertClipLogits(Inputs x, Tensor actual)
    {
        // 100 · cos(f_b, T_n), computed pair by pair.
        for (int b = 0; b < Batch; b++)
            for (int n = 0; n < 18; n++)
            {
                var f = x.Image[b];
                var t = x.Text[n];
                double cos = (f * t).sum().item<float>() / (f.norm().item<float>() * t.norm().item<float>());
                Assert.Equal(100 * cos, actual[b, n].item<float>(), 3);
            }
    }

    [Fact]
    public void ReferenceModeKeepsTheImageFeatureScale()
    {
        using var scope = NewDisposeScope();
        var x = RandomInputs(6);
        var reference = Head(new HgclipHeadOptions { Normalization = HgclipNormalization.Reference, Lambda2 = 0 });
        var cosine = Head(new HgclipHeadOptions { Normalization = HgclipNormalization.Cosine, Lambda2 = 0 });
        var r1 = reference.NodeLogits(x.Text, x.Prototypes, x.Image, x.Tokens, x.LogScale);
        var r3 = reference.NodeLogits(x.Text, x.Prototypes, x.Image * 3, x.Tokens, x.LogScale);
        Assert.True(torch.allclose(r1 * 3, r3, 1e-5, 1e-4));
        var c1 = cosine.NodeLogits(x.Text, x.Prototypes, x.Image, x.Tokens, x.LogScale);
        var c3 = cosine.NodeLogits(x.Text, x.Prototypes, x.Image * 3, x.Tokens, x.LogScale);
        Assert.True(torch.allclose(c1, c3, 1e-5, 1e-4));
    }

    [Fact]
    public void OnlyTheGraphEncodersTrainAndBothGetGradient()
    {
        using var scope = NewDisposeScope();
        var x = RandomInputs(7);
        var head = Head(new HgclipHeadOptions());
        var names = head.named_parameters().Select(p => p.name).ToArray();
        Assert.All(names, n => Assert.True(n.StartsWith("text_graph.") || n.StartsWith("image_graph."), n));
        Assert.Equal(2 * 12, names.Length);   // 3 layers × (fc.weight, attn_l, attn_r, bias) per encoder

        var loss = new HgclipLoss(Fashion).Compute(head.Forward(x.Text, x.Prototypes, x.Image, x.Tokens, x.LogScale),
            torch.tensor(new long[] { 0, 5, 9 }));
        loss.backward();
        foreach (var (name, p) in head.named_parameters())
            Assert.True(p.grad is not null && p.grad.abs().sum().item<float>() > 0, $"no gradient reaches {name}");

        var textOnly = Head(new HgclipHeadOptions { VisualGraph = false });
        Assert.All(textOnly.named_parameters(), p => Assert.StartsWith("text_graph.", p.name));
    }

    [Fact]
    public void MissingVisualInputsAreRejectedWhenTheVisualGraphIsOn()
    {
        using var scope = NewDisposeScope();
        var x = RandomInputs(8);
        var head = Head(new HgclipHeadOptions());
        Assert.Throws<ArgumentException>(() => head.NodeLogits(x.Text, null, x.Image, x.Tokens, x.LogScale));
        Assert.Throws<ArgumentException>(() => head.NodeLogits(x.Text, x.Prototypes, x.Image, x.Tokens[.., .., ..4], x.LogScale));
        Assert.Throws<ArgumentException>(() => head.NodeLogits(x.Text[..17], x.Prototypes, x.Image, x.Tokens, x.LogScale));
    }

    [Fact]
    public void OptionsFollowTheParts()
    {
        var o = HgclipHeadOptions.FromParts(HgclipParts.TextPrompt | HgclipParts.VisualGraph);
        Assert.False(o.TextGraph);
        Assert.True(o.VisualGraph);
        Assert.Equal(0.5, o.Alpha);
        Assert.Equal(0.2, o.Lambda2);
        Assert.Equal(HgclipNormalization.Reference, o.Normalization);   // the measured default (docs/hgclip.md)
        Assert.Equal(1, o.GraphHeads);
    }
}
