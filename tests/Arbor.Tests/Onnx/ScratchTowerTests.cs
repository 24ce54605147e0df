using Arbor.Models.Encoders;
using Arbor.Models.Vision;
using static TorchSharp.torch;

namespace Arbor.Tests.Onnx;

/// <summary>
/// <c>resnet18-imagenet-scratch</c>: the imported ResNet-18's network with fresh, torchvision-style weights, the control
/// that says what the ImageNet weights are worth when fine-tuning (issue #15's "ce pretrained vs from scratch").
/// Runs alone: the initialisation draws from torch's global generator, which test classes running in parallel share.
/// </summary>
[Collection(ProcessWideStateCollection.Name)]
public sealed class ScratchTowerTests
{
    static Dictionary<string, Tensor> Weights(nn.Module m) =>
        m.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());

    [Fact]
    public void The_scratch_backbone_has_the_pretrained_network_with_every_conv_and_batchnorm_reinitialised()
    {
        using var pretrained = (PretrainedBackbone)Backbones.Create("resnet18-imagenet", 3);
        manual_seed(7);
        using var scratch = (PretrainedBackbone)Backbones.Create("resnet18-imagenet-scratch", 3);
        var before = Weights(pretrained);
        var after = Weights(scratch);
        Assert.Equal(before.Keys.Order(), after.Keys.Order());                  // the same network, name for name
        var net = ((ResNet18ImageNet)scratch.Encoder).Network;
        int convs = 0, norms = 0;
        foreach (var node in net.Nodes)
        {
            if (node.OpType == "Conv")
            {
                using var w = net.Parameter(node.Inputs[1])!.detach();
                long fanOut = w.shape[0] * w.shape[2] * w.shape[3];
                double std = w.std().item<float>(), expected = Math.Sqrt(2.0 / fanOut);
                Assert.InRange(std, 0.9 * expected, 1.1 * expected);           // Kaiming normal, fan-out, ReLU gain
                Assert.InRange(w.mean().item<float>(), -0.1 * expected, 0.1 * expected);
                convs++;
            }
            else if (node.OpType == "BatchNormalization")
            {
                using var scale = net.Parameter(node.Inputs[1])!.detach();
                using var shift = net.Parameter(node.Inputs[2])!.detach();
                Assert.True(scale.eq(1).all().item<bool>() && shift.eq(0).all().item<bool>(), $"{node}: scale 1, bias 0");
                norms++;
            }
        }
        Assert.Equal((22, 22), (convs, norms));
        // Every weight of the ResNet changed; the preprocessing's mean image (a constant of the data) did not.
        foreach (var (name, value) in before)
        {
            bool same = value.shape.SequenceEqual(after[name].shape) && value.allclose(after[name], 0, 0);
            Assert.True(name.Contains("preprocess") == same, $"{name}: {(same ? "unchanged" : "changed")}");
        }
        foreach (var t in before.Values.Concat(after.Values)) t.Dispose();
    }

    [Fact]
    public void The_scratch_initialisation_is_repeatable_under_a_seed_and_differs_between_seeds()
    {
        Dictionary<string, Tensor> Draw(int seed)
        {
            manual_seed(seed);
            using var b = Backbones.Create("resnet18-imagenet-scratch", 3);
            return Weights(b);
        }
        var a = Draw(1);
        var again = Draw(1);
        var other = Draw(2);
        var conv = a.Keys.First(k => a[k].dim() == 4 && !k.Contains("preprocess"));
        Assert.True(a[conv].allclose(again[conv], 0, 0));
        Assert.False(a[conv].allclose(other[conv], 0, 0));
        foreach (var t in a.Values.Concat(again.Values).Concat(other.Values)) t.Dispose();
    }

    [Fact]
    public void The_scratch_name_is_listed_is_a_tower_and_is_not_fine_tuned_at_a_tenth_of_the_rate()
    {
        Assert.Contains("resnet18-imagenet-scratch", Backbones.Names);
        Assert.True(Backbones.IsTower("ResNet18-ImageNet-Scratch"));
        Assert.True(Backbones.IsScratchTower("resnet18-imagenet-scratch"));
        Assert.False(Backbones.IsPretrained("resnet18-imagenet-scratch"));
        Assert.False(Backbones.IsTower("resnet18-scratch"));                   // the CIFAR ResNet has no pretrained weights to drop
        var scratch = Arbor.Experiments.TrainRun.Resolve(new Arbor.Training.RunConfig { Method = "ce", Dataset = "fashion-mnist", Backbone = "resnet18-imagenet-scratch" });
        var pretrained = Arbor.Experiments.TrainRun.Resolve(new Arbor.Training.RunConfig { Method = "ce", Dataset = "fashion-mnist", Backbone = "resnet18-imagenet" });
        Assert.Equal(0.1, scratch.LearningRate!.Value, 9);
        Assert.Equal(0.01, pretrained.LearningRate!.Value, 9);
        var e = Assert.Throws<ArborException>(() => Backbones.Create("resnet18-scratch", 3));
        Assert.Contains("resnet18-imagenet-scratch", e.Message);              // the valid names are listed
    }
}
