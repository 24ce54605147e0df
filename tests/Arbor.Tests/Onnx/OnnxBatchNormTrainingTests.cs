using Arbor.Models.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Tests.Onnx;

/// <summary>
/// BatchNormalization of an imported graph while fine-tuning (issue #15): training mode normalises with the batch and
/// updates the module's registered running statistics in place at torch's rate, and eval mode normalises with them. With
/// the file's CNTK momentum (0.988, each batch moving the statistics 1.2 %) the statistics stayed ImageNet's during a
/// short fine-tuning, and the fine-tuned ResNet-18 predicted one class in eval mode.
/// </summary>
[Collection(PretrainedCollection.Name)]
public sealed class OnnxBatchNormTrainingTests(PretrainedTowers towers)
{
    OnnxGraphModule Net => towers.ResNet.Network;
    OnnxNode FirstBatchNorm => Net.Nodes.First(n => n.OpType == "BatchNormalization");
    Tensor Buffer(string onnxName) => Net.named_buffers().Single(b => b.name == onnxName).buffer;

    /// <summary>Six real images at 64 px, the network's input (preprocessed).</summary>
    Tensor Input()
    {
        using var scope = NewDisposeScope();
        using var images = PretrainedTowers.RealImages(0, 1, 2, 3, 4, 5);
        var small = nn.functional.interpolate(images, [64, 64], mode: InterpolationMode.Bilinear, align_corners: false);
        return towers.ResNet.Preprocess(small).MoveToOuterDisposeScope();
    }

    Dictionary<string, Tensor> Feed(Tensor input) => new() { [Net.Inputs.Single().Name] = input };

    /// <summary>Runs <paramref name="body"/> and puts the shared tower back as it was (weights, statistics, eval mode).</summary>
    void Restoring(Action body)
    {
        var saved = towers.ResNet.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        try { body(); }
        finally
        {
            towers.ResNet.load_state_dict(saved);
            towers.ResNet.eval();
            foreach (var t in saved.Values) t.Dispose();
        }
    }

    [Fact]
    public void A_training_forward_moves_the_registered_running_statistics_a_tenth_toward_the_batch()
    {
        Assert.Equal(0.1, Net.BatchNormMomentum);
        var bn = FirstBatchNorm;
        Restoring(() =>
        {
            using var _ = no_grad();
            using var input = Input();
            using var conv = Net.Run(Feed(input), [bn.Inputs[0]])[bn.Inputs[0]];          // what the BatchNorm reads
            using var batchMean = conv.mean([0, 2, 3]);
            using var batchVar = conv.var([0, 2, 3], unbiased: true);
            Tensor mean = Buffer(bn.Inputs[3]), variance = Buffer(bn.Inputs[4]);
            using var mean0 = mean.clone();
            using var var0 = variance.clone();
            towers.ResNet.train();
            Net.Run(Feed(input), [bn.Outputs[0]])[bn.Outputs[0]].Dispose();
            towers.ResNet.eval();
            // The buffers the module holds (and saves) changed, by torch's rule with momentum 0.1.
            using var expectedMean = mean0 * 0.9 + batchMean * 0.1;
            using var expectedVar = var0 * 0.9 + batchVar * 0.1;
            Assert.True(Buffer(bn.Inputs[3]).allclose(expectedMean, rtol: 1e-4, atol: 1e-3), "running mean not updated at momentum 0.1");
            Assert.True(Buffer(bn.Inputs[4]).allclose(expectedVar, rtol: 1e-3, atol: 1e-2), "running variance not updated at momentum 0.1");
            // Eval mode normalises with those buffers.
            using var evalOut = Net.Run(Feed(input), [bn.Outputs[0]])[bn.Outputs[0]];
            Tensor scale = Net.Parameter(bn.Inputs[1])!, shift = Net.Parameter(bn.Inputs[2])!;
            using var manual = (conv - expectedMean.reshape(1, -1, 1, 1)) / (expectedVar.reshape(1, -1, 1, 1) + 1e-5).sqrt()
                               * scale.reshape(1, -1, 1, 1) + shift.reshape(1, -1, 1, 1);
            Assert.True(evalOut.allclose(manual, rtol: 1e-3, atol: 1e-2), "eval mode does not normalise with the running statistics");
        });
    }

    [Fact]
    public void The_momentum_override_is_checked_and_can_be_given_back_to_the_file()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Net.BatchNormMomentum = 1.5);
        var bn = FirstBatchNorm;
        Restoring(() =>
        {
            Net.BatchNormMomentum = null;   // the node's own attribute: CNTK's 0.988, a batch weight of 0.0117
            try
            {
                using var _ = no_grad();
                using var input = Input();
                using var conv = Net.Run(Feed(input), [bn.Inputs[0]])[bn.Inputs[0]];
                using var batchMean = conv.mean([0, 2, 3]);
                using var mean0 = Buffer(bn.Inputs[3]).clone();
                towers.ResNet.train();
                Net.Run(Feed(input), [bn.Outputs[0]])[bn.Outputs[0]].Dispose();
                float keep = bn.Attributes["momentum"].F;
                using var expected = mean0 * keep + batchMean * (1 - keep);
                Assert.True(Buffer(bn.Inputs[3]).allclose(expected, rtol: 1e-4, atol: 1e-3));
            }
            finally { Net.BatchNormMomentum = 0.1; }
        });
    }
}
