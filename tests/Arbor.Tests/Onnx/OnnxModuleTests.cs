using Arbor.Models.Encoders;
using Arbor.Models.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Tests.Onnx;

/// <summary>The imported graphs behave as modules: named, trainable, freezable, saveable; prompts hook into MiniLM.</summary>
[Collection(PretrainedCollection.Name)]
public sealed class OnnxModuleTests(PretrainedTowers towers)
{
    [Fact]
    public void Initializers_become_named_parameters_and_statistics_buffers()
    {
        var resnet = towers.ResNet.Network;
        // 22 convolution kernels + 22 BatchNorm scales and biases learn; the 44 running statistics do not.
        Assert.Equal(66, resnet.parameters().Count());
        Assert.Equal(44, resnet.named_buffers().Count());
        var minilm = towers.MiniLm.Network.state_dict().Keys.ToHashSet();
        Assert.Contains("embeddings.word_embeddings.weight", minilm);
        Assert.Contains("encoder.layer.5.output.LayerNorm.bias", minilm);
        Assert.DoesNotContain(minilm, k => k.Contains("position_ids"));   // an index constant, not state
        Assert.NotNull(towers.MiniLm.Network.Parameter("embeddings.word_embeddings.weight"));
    }

    [Fact]
    public void State_dict_round_trips_and_restores_the_outputs()
    {
        using var batch = towers.MiniLm.Tokenize(["ankle boot"]);
        using var _ = no_grad();
        using var before = towers.MiniLm.Encode(batch);
        var saved = towers.MiniLm.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        var weight = towers.MiniLm.Network.Parameter("encoder.layer.0.attention.output.LayerNorm.weight")!;
        weight.mul_(0.5);
        using (var changed = towers.MiniLm.Encode(batch)) Assert.False(changed.allclose(before, atol: 1e-3));
        towers.MiniLm.load_state_dict(saved);
        using var after = towers.MiniLm.Encode(batch);
        Assert.True(after.allclose(before, rtol: 0, atol: 1e-6));
        foreach (var t in saved.Values) t.Dispose();
    }

    [Fact]
    public void Imported_weights_train_until_frozen()
    {
        var net = towers.MiniLm.Network;
        var weight = net.Parameter("encoder.layer.3.attention.self.query.weight") ?? net.parameters().First(p => p.dim() == 2 && p.shape[0] == 384 && p.shape[1] == 384);
        using var batch = towers.MiniLm.Tokenize(["shirt"]);
        try
        {
            using (var loss = towers.MiniLm.Encode(batch).square().sum()) loss.backward();
            Assert.NotNull(weight.grad);
            Assert.True(weight.grad!.abs().sum().item<float>() > 0);
            weight.grad.zero_();
            net.Freeze();
            Assert.All(net.parameters(), p => Assert.False(p.requires_grad));
            using var frozen = towers.MiniLm.Encode(batch);
            Assert.False(frozen.requires_grad);
        }
        finally
        {
            foreach (var p in net.parameters()) { p.requires_grad = true; p.grad?.zero_(); }
        }
    }

    [Fact]
    public void Prompt_context_replaces_the_placeholders_and_gets_gradients()
    {
        var mini = towers.MiniLm;
        mini.Network.Freeze();
        try
        {
            using var batch = mini.Tokenize(["ankle boot", "trouser"], contextTokens: 3);
            // Context equal to the placeholder's own embedding must give exactly the un-hooked result.
            Tensor plain, same;
            using (no_grad())
            {
                using var placeholder = mini.WordEmbeddings("x");
                using var context = placeholder.expand(3, -1).contiguous();
                plain = mini.Encode(batch);
                same = mini.Encode(batch, context);
            }
            Assert.True(same.allclose(plain, rtol: 0, atol: 1e-6));
            using var init = mini.WordEmbeddings("a photo of");
            using var learned = init.detach().clone().requires_grad_(true);
            using var prompted = mini.Encode(batch, learned);
            Assert.False(prompted.allclose(plain, atol: 1e-3));
            using (var loss = prompted.square().sum()) loss.backward();
            Assert.True(learned.grad!.abs().sum().item<float>() > 0);
            plain.Dispose();
            same.Dispose();
        }
        finally
        {
            foreach (var p in mini.Network.parameters()) p.requires_grad = true;
        }
    }

    [Fact]
    public void ResNet_refuses_the_wrong_image_size()
    {
        using var images = zeros(1, 3, 32, 32);
        var e = Assert.Throws<ArgumentException>(() => towers.ResNet.Encode(images));
        Assert.Contains("224", e.Message);
    }
}

/// <summary>Malformed and unsupported ONNX files are refused at load with the file and the problem named.</summary>
public sealed class OnnxReaderTests
{
    static byte[] PreprocessBytes() => File.ReadAllBytes(
        PretrainedFiles.PackageFile(ResNet18ImageNet.PackageId, ResNet18ImageNet.PackageVersion, ResNet18ImageNet.PreprocessPath));

    [Fact]
    public void Reads_the_graph_structure()
    {
        var model = OnnxReader.Read(PreprocessBytes(), "prep.onnx");
        Assert.Equal(8, model.Opset);
        Assert.Equal(["Split", "Concat", "Sub"], model.Graph.Nodes.Select(n => n.OpType));
        Assert.Equal([1L, 1, 1], model.Graph.Nodes[0].Attributes["split"].Ints);
        Assert.Equal([1L, 3, 224, 224], model.Graph.Initializers.Single().Dims);
        Assert.Equal([(long?)1, 3, 224, 224], model.Graph.Inputs.Single().Shape);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.999)]
    [InlineData(0.0001)]
    public void Truncated_files_are_refused_naming_the_file(double keep)
    {
        var bytes = PreprocessBytes();
        var cut = bytes[..(int)(bytes.Length * keep)];
        var e = Assert.ThrowsAny<ArborException>(() => new OnnxGraphModule(OnnxReader.Read(cut, "cut.onnx")));
        Assert.StartsWith("cut.onnx: ", e.Message);
    }

    [Fact]
    public void Random_bytes_are_not_a_model()
    {
        var bytes = new byte[4096];
        new Random(3).NextBytes(bytes);
        var e = Assert.ThrowsAny<ArborException>(() => new OnnxGraphModule(OnnxReader.Read(bytes, "noise.onnx")));
        Assert.Contains("noise.onnx", e.Message);
    }

    [Fact]
    public void Unsupported_operators_are_named_at_load()
    {
        var bytes = PreprocessBytes();
        ReplaceAscii(bytes, "Split", "Splix");
        ReplaceAscii(bytes, "\"Sub", "\"Sux");          // op_type strings are length-prefixed: byte 3 then "Sub"
        var model = OnnxReader.Read(bytes, "patched.onnx");
        var e = Assert.Throws<ArborException>(() => new OnnxGraphModule(model));
        Assert.Contains("unsupported ONNX operator(s): Splix", e.Message);
        Assert.StartsWith("patched.onnx: ", e.Message);
    }

    static void ReplaceAscii(byte[] bytes, string from, string to)
    {
        var a = System.Text.Encoding.ASCII.GetBytes(from.Replace("\"", "\u0003"));
        var b = System.Text.Encoding.ASCII.GetBytes(to.Replace("\"", "\u0003"));
        int at = bytes.AsSpan().IndexOf(a);
        if (at >= 0) b.CopyTo(bytes.AsSpan(at));
    }

    [Fact]
    public void A_missing_package_file_names_the_place()
    {
        var e = Assert.Throws<ArborException>(() => PretrainedFiles.PackageFile(ResNet18ImageNet.PackageId, ResNet18ImageNet.PackageVersion, "no/such.onnx"));
        Assert.Contains("no/such.onnx", e.Message);
        var r = Assert.Throws<ArborException>(() => PretrainedFiles.ReadResource(
            PretrainedFiles.PackageFile(MiniLmText.PackageId, MiniLmText.PackageVersion, MiniLmText.AssemblyPath), "nope"));
        Assert.Contains("no embedded resource 'nope'", r.Message);
    }
}
