using Arbor.Models.Encoders;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace Arbor.Tests.Onnx;

/// <summary>
/// The imported towers compute what ONNX Runtime computes from the same files, to 1e-4, on real images and texts.
/// </summary>
[Collection(PretrainedCollection.Name)]
public sealed class OnnxParityTests(PretrainedTowers towers)
{
    const double Tolerance = 1e-4;

    static string ResNetFile(string relative) =>
        PretrainedFiles.PackageFile(ResNet18ImageNet.PackageId, ResNet18ImageNet.PackageVersion, relative);

    static float[] RunOrt(InferenceSession session, string output, params NamedOnnxValue[] inputs)
    {
        using var results = session.Run(inputs);
        return results.First(r => r.Name == output).AsTensor<float>().ToArray();
    }

    static double MaxAbs(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        return a.Zip(b, (x, y) => Math.Abs((double)x - y)).Max();
    }

    [Fact]
    public void ResNet18_features_equal_onnx_runtime_on_real_images()
    {
        using var images = PretrainedTowers.RealImages(0, 1, 2);
        using var _ = no_grad();
        var encoded = towers.ResNet.Encode(images, withTokens: true);
        using var features = encoded.Features;
        using var tokens = encoded.Tokens!;
        Assert.Equal([3, 512], features.shape);
        Assert.Equal([3, 49, 512], tokens.shape);

        using var prep = new InferenceSession(ResNetFile(ResNet18ImageNet.PreprocessPath));
        using var net = new InferenceSession(ResNetFile(ResNet18ImageNet.ModelPath));
        for (int i = 0; i < 3; i++)
        {
            // ONNX Runtime runs ML.NET's own two graphs, one image at a time (their batch dimension is fixed at 1).
            using var scaled = images[i].unsqueeze(0) * 255f;
            var input = new DenseTensor<float>(scaled.data<float>().ToArray(), [1, 3, 224, 224]);
            var preprocessed = RunOrt(prep, "PreprocessedInput", NamedOnnxValue.CreateFromTensor("OriginalInput", input));
            var expected = RunOrt(net, "Pooling395_Output_0",
                NamedOnnxValue.CreateFromTensor("Input247", new DenseTensor<float>(preprocessed, [1, 3, 224, 224])));
            var actual = features[i].data<float>().ToArray();
            Assert.True(expected.Max() > 1f, "features should not be trivially small");
            Assert.True(MaxAbs(expected, actual) <= Tolerance, $"image {i}: max |difference| {MaxAbs(expected, actual):E2}");
        }
        // The tokens are the map the features pool: their mean is the features.
        using var pooled = tokens.mean([1]);
        Assert.True(pooled.allclose(features, rtol: 0, atol: 1e-5));
    }

    [Fact]
    public void MiniLm_hidden_states_pooler_and_sentence_features_equal_onnx_runtime()
    {
        using var batch = towers.MiniLm.Tokenize(PretrainedTowers.Texts);
        using var _ = no_grad();
        var feeds = new Dictionary<string, Tensor> { ["input_ids"] = batch.Ids, ["attention_mask"] = batch.Mask, ["token_type_ids"] = zeros_like(batch.Ids) };
        var outputs = towers.MiniLm.Network.Run(feeds, ["last_hidden_state", "924"]);
        using var hidden = outputs["last_hidden_state"];
        using var pooler = outputs["924"];
        using var features = towers.MiniLm.Encode(batch);

        var assembly = PretrainedFiles.PackageFile(MiniLmText.PackageId, MiniLmText.PackageVersion, MiniLmText.AssemblyPath);
        using var session = new InferenceSession(PretrainedFiles.ReadResource(assembly, MiniLmText.ModelResource));
        long[] Longs(Tensor t) => t.data<long>().ToArray();
        int[] dims = batch.Ids.shape.Select(d => (int)d).ToArray();
        var inputs = new[]
        {
            NamedOnnxValue.CreateFromTensor("input_ids", new DenseTensor<long>(Longs(batch.Ids), dims)),
            NamedOnnxValue.CreateFromTensor("attention_mask", new DenseTensor<long>(Longs(batch.Mask), dims)),
            NamedOnnxValue.CreateFromTensor("token_type_ids", new DenseTensor<long>(new long[batch.Ids.numel()], dims)),
        };
        using var results = session.Run(inputs);
        var expectedHidden = results.First(r => r.Name == "last_hidden_state").AsTensor<float>().ToArray();
        var expectedPooler = results.First(r => r.Name == "924").AsTensor<float>().ToArray();
        Assert.True(MaxAbs(expectedHidden, hidden.data<float>().ToArray()) <= Tolerance, $"hidden {MaxAbs(expectedHidden, hidden.data<float>().ToArray()):E2}");
        Assert.True(MaxAbs(expectedPooler, pooler.data<float>().ToArray()) <= Tolerance);

        // Mean pooling over real tokens, computed here independently from ONNX Runtime's hidden states.
        var mask = Longs(batch.Mask);
        int t = dims[0], l = dims[1], w = 384;
        var expectedFeatures = new float[t * w];
        for (int s = 0; s < t; s++)
        {
            int count = 0;
            for (int i = 0; i < l; i++)
            {
                if (mask[s * l + i] == 0) continue;
                count++;
                for (int k = 0; k < w; k++) expectedFeatures[s * w + k] += expectedHidden[(s * l + i) * w + k];
            }
            for (int k = 0; k < w; k++) expectedFeatures[s * w + k] /= count;
        }
        Assert.True(MaxAbs(expectedFeatures, features.data<float>().ToArray()) <= Tolerance);
    }

    [Fact]
    public void MiniLm_tokenizer_uses_the_uncased_wordpiece_vocabulary()
    {
        var ids = towers.MiniLm.TokenIds("Ankle boot");
        Assert.Equal(101, ids[0]);                     // [CLS]
        Assert.Equal(102, ids[^1]);                    // [SEP]
        Assert.Equal(towers.MiniLm.TokenIds("ankle BOOT"), ids);
        using var batch = towers.MiniLm.Tokenize(["a", "a much longer text here"], contextTokens: 2);
        Assert.Equal(0L, batch.Mask[0, ^1].item<long>());  // padding is masked
        Assert.Equal(batch.Ids[0, 1].item<long>(), batch.Ids[1, 2].item<long>());  // the placeholders
    }
}
