using Arbor.Hierarchy;
using Arbor.Methods.Hgclip;
using Arbor.Methods.Prompting.Baselines;
using Arbor.Models.Clip;
using Arbor.Tests.HgclipTraining;
using Arbor.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Arbor.Tests.Prompting;

/// <summary>KgCoOp, CoCoOp, MaPLe and PromptSRC on the clip-tiny checkpoint (2 layers per tower, widths 48 / 64, P = 32).</summary>
public sealed class PromptBaselineTests : IDisposable
{
    readonly TempFolder _tmp = TestPaths.NewTempFolder();
    readonly ClassHierarchy _hierarchy = BuiltInHierarchies.FashionMnist();
    readonly string _clipDir;

    public PromptBaselineTests() => _clipDir = ClipTinyFolder.Create(_tmp.File("clip"), _hierarchy);

    public void Dispose() => _tmp.Dispose();

    PromptBaselineModel Build(PromptBaseline method, int epochs = 20)
    {
        var model = new PromptBaselineModel(ClipModel.Load(_clipDir), ClipTokenizer.Load(_clipDir), _hierarchy,
            PromptBaselineOptions.For(method, epochs: epochs));
        // clip-tiny's P = 32 gives CoCoOp's meta-network 2 hidden units; a positive bias keeps them out of ReLU's flat side
        // whatever the (shared, unseeded under parallel tests) draw, so gradients and per-image shifts are never all zero.
        if (model.MetaNet is { } net)
            using (no_grad()) net.named_parameters().First(p => p.name == "linear1.bias").parameter.fill_(1.0);
        return model;
    }

    static float MaxDiff(Tensor a, Tensor b) => (a - b).abs().max().item<float>();

    [Theory]
    [InlineData(PromptBaseline.KgCoOp, "text_prompt.ctx=4x48")]
    [InlineData(PromptBaseline.CoCoOp, "meta_net.linear1.bias=2 meta_net.linear1.weight=2x32 meta_net.linear2.bias=48 meta_net.linear2.weight=48x2 text_prompt.ctx=4x48")]
    [InlineData(PromptBaseline.MaPLe, "coupling.layers.0.bias=64 coupling.layers.0.weight=64x48 coupling.layers.1.bias=64 coupling.layers.1.weight=64x48 text_prompt.ctx=2x48 text_prompt.deep_ctx=1x2x48")]
    [InlineData(PromptBaseline.PromptSRC, "text_prompt.ctx=4x48 text_prompt.deep_ctx=1x4x48 visual_prompt.ctx=4x64 visual_prompt.deep_ctx=1x4x64")]
    public void TrainableParametersAreTheMethodsOwnWithTheirShapesAndNoClipWeight(PromptBaseline method, string expected)
    {
        using var model = Build(method);
        var trainable = model.named_parameters().Where(p => p.parameter.requires_grad)
            .Select(p => $"{p.name}={string.Join("x", p.parameter.shape)}").OrderBy(s => s, StringComparer.Ordinal);
        Assert.Equal(expected.Split(' '), trainable);
        Assert.Equal(expected.Split(' ').Length, model.TrainableParameters.Count);
        Assert.All(model.Clip.parameters(), p => Assert.False(p.requires_grad));
        var state = model.state_dict().Keys;
        Assert.DoesNotContain(state, k => k.Contains("text_model") || k.Contains("vision_model") || k.Contains("projection"));
        // PromptSRC's ensemble is state (checkpointed) but never trained: one average per prompt tensor and the log weight.
        Assert.Equal(method == PromptBaseline.PromptSRC ? 5 : 0, state.Count(k => k.StartsWith("ensemble.")));
    }

    [Theory]
    [InlineData(PromptBaseline.KgCoOp)]
    [InlineData(PromptBaseline.CoCoOp)]
    [InlineData(PromptBaseline.MaPLe)]
    [InlineData(PromptBaseline.PromptSRC)]
    public void OneTrainingStepLowersTheLossAndEveryTrainableTensorGetsAGradient(PromptBaseline method)
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        using var model = Build(method);
        model.train();
        var images = randn(4, 3, 32, 32);
        var leaves = tensor(new long[] { 0, 3, 6, 9 });
        var loss = new PromptBaselineLoss(model);
        var before = loss.Compute(images, leaves);
        Assert.Equal(0, before.dim());
        before.backward();
        foreach (var (name, p) in model.named_parameters())
            Assert.True(p.grad is { } g && g.abs().sum().item<float>() > 0, $"{name} got no gradient");
        Assert.All(model.Clip.parameters(), p => Assert.Null(p.grad));

        var optimizer = optim.SGD(model.TrainableParameters, 0.01);
        optimizer.step();
        using (no_grad())
        {
            var after = loss.Compute(images, leaves);
            Assert.True(after.item<float>() < before.item<float>(), $"{method}: {before.item<float>()} → {after.item<float>()}");
        }
    }

    [Fact]
    public void KgCoOpAddsLambdaTimesOneMinusTheMeanCosineToTheHandCraftedFeaturesWhichStartsAtZero()
    {
        using var scope = NewDisposeScope();
        manual_seed(2);
        using var model = Build(PromptBaseline.KgCoOp);
        var images = randn(3, 3, 32, 32);
        var leaves = tensor(new long[] { 1, 4, 8 });
        var loss = new PromptBaselineLoss(model);
        using var mode = no_grad();
        // The context starts as "a photo of a", so the prompted features are the template's: no pull at all.
        var ce = new HgclipLoss(_hierarchy).Compute(model.LevelLogits(images), leaves);
        Assert.True(Math.Abs(loss.Compute(images, leaves).item<float>() - ce.item<float>()) < 1e-4);

        model.TextPrompt.Context.add_(randn(4, 48) * 0.5);
        var output = model.Forward(images);
        Assert.True(MaxDiff(output.Text, model.FrozenTextFeatures) > 1e-3);
        // The authors' code: 1 − mean cosine (not the paper's squared distance, which is twice it on unit vectors).
        double cosines = 0;
        for (int n = 0; n < _hierarchy.Nodes.Count; n++)
        {
            var (a, b) = (output.Text[n], model.FrozenTextFeatures[n]);
            cosines += (a * b).sum().item<float>() / (a.norm().item<float>() * b.norm().item<float>());
        }
        double expected = new HgclipLoss(_hierarchy).Compute(output.Logits, leaves).item<float>() + 8.0 * (1 - cosines / _hierarchy.Nodes.Count);
        Assert.Equal(expected, loss.Compute(images, leaves).item<float>(), 4);
    }

    [Fact]
    public void CoCoOpScoresABatchExactlyAsEachImageAloneWithItsOwnContext()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        using var model = Build(PromptBaseline.CoCoOp);
        model.eval();
        using var mode = no_grad();
        var images = randn(3, 3, 32, 32);
        var batch = model.Forward(images);
        Assert.Equal(new long[] { 3, _hierarchy.Nodes.Count, 32 }, batch.Text.shape);
        // The meta-network shifts the context per image, so images see different class features.
        Assert.True(MaxDiff(batch.Text[0], batch.Text[1]) > 1e-6);
        for (int i = 0; i < 3; i++)
        {
            var alone = model.LevelLogits(images.narrow(0, i, 1));
            for (int l = 0; l < _hierarchy.Depth; l++)
                Assert.True(MaxDiff(alone[l][0], batch.Logits[l][i]) < 1e-4, $"image {i}, level {l + 1}");
        }
    }

    [Fact]
    public void MaPLeVisualPromptsAreTheCouplingOfTheTextPrompts()
    {
        using var scope = NewDisposeScope();
        manual_seed(6);
        using var model = Build(PromptBaseline.MaPLe);
        using var mode = no_grad();
        var images = randn(2, 3, 32, 32);
        var coupled = model.Coupling!.Couple(model.TextPrompt.Context, model.TextPrompt.DeepContext);
        Assert.Equal(new long[] { 2, 64 }, coupled.Shallow.shape);
        var expected = nn.functional.normalize(model.Clip.EncodeImage(images, coupled), dim: -1);
        Assert.True(MaxDiff(expected, model.Forward(images).Image) < 1e-5);
        // A change of the text context alone changes the image features: the towers are coupled.
        model.TextPrompt.DeepContext!.add_(1.0);
        Assert.True(MaxDiff(expected, model.Forward(images).Image) > 1e-4);
    }

    [Fact]
    public void TheGaussianEnsembleIsTheNormalisedWeightedMeanOfThePromptsOfEveryEpoch()
    {
        using var scope = NewDisposeScope();
        var p = zeros(2, 3);
        using var ensemble = new GaussianPromptEnsemble([("prompt.ctx", p)], epochs: 20);
        Assert.Equal(15, ensemble.Mean);
        Assert.Equal(1, ensemble.Std);
        Assert.False(ensemble.HasAverage);
        Assert.Equal(new[] { "log_weight", "prompt_ctx" }, ensemble.state_dict().Keys.Order(StringComparer.Ordinal));
        double weighted = 0, total = 0;
        for (int epoch = 1; epoch <= 20; epoch++)
        {
            p.fill_(epoch * 0.5);
            ensemble.Add(epoch, [("prompt.ctx", p)]);
            // The paper's weights: Gaussian pdf of the 1-based epoch, μ 15, σ 1; epoch 1 is e^-98 of the peak.
            double w = Math.Exp(-0.5 * Math.Pow(epoch - 15, 2)) / Math.Sqrt(2 * Math.PI);
            weighted += w * epoch * 0.5;
            total += w;
            Assert.Equal(weighted / total, ensemble.Average("prompt.ctx").mean().item<float>(), 4);
        }
        Assert.Equal(7.5, ensemble.Average("prompt.ctx").max().item<float>(), 2);   // dominated by epochs 14–16
    }

    [Fact]
    public void PromptSrcPredictsWithTheEnsembleInEvalModeAndTrainsTheCurrentPrompts()
    {
        using var scope = NewDisposeScope();
        manual_seed(8);
        using var model = Build(PromptBaseline.PromptSRC, epochs: 4);
        var images = randn(2, 3, 32, 32);
        using var mode = no_grad();
        model.eval();
        Assert.False(model.UsesEnsemble);
        var first = model.LevelLogits(images)[2];
        model.AddToEnsemble(1);
        Assert.True(model.UsesEnsemble);
        // "Training" moves the prompts on (not by a constant: the next block's LayerNorm would remove it).
        model.TextPrompt.DeepContext!.add_(randn(1, 4, 48));
        Assert.True(MaxDiff(first, model.LevelLogits(images)[2]) < 1e-5, "eval uses the averaged prompts");
        model.train();
        Assert.False(model.UsesEnsemble);
        Assert.True(MaxDiff(first, model.LevelLogits(images)[2]) > 1e-4, "training uses the current prompts");
    }

    [Theory]
    [InlineData(PromptBaseline.KgCoOp)]
    [InlineData(PromptBaseline.CoCoOp)]
    [InlineData(PromptBaseline.MaPLe)]
    [InlineData(PromptBaseline.PromptSRC)]
    public void ACheckpointRoundTripGivesTheSameLogits(PromptBaseline method)
    {
        using var scope = NewDisposeScope();
        manual_seed(13);
        var images = randn(2, 3, 32, 32);
        var identity = new CheckpointIdentity(PromptBaselineOptions.Name(method), "clip:clip", "test");
        var file = _tmp.File($"{method}.safetensors");
        Tensor[] saved;
        using (var model = Build(method))
        {
            model.train();
            var loss = new PromptBaselineLoss(model).Compute(images, tensor(new long[] { 2, 7 }));
            loss.backward();
            optim.SGD(model.TrainableParameters, 0.05).step();
            model.AddToEnsemble(3);
            model.eval();
            using (no_grad()) saved = model.LevelLogits(images);
            Checkpoint.Save(file, model, identity);
        }
        using var fresh = Build(method);
        fresh.eval();
        using (no_grad())
            Assert.True(MaxDiff(saved[2], fresh.LevelLogits(images)[2]) > 1e-5, "a fresh model differs before loading");
        Checkpoint.Load(file, fresh, identity);
        using (no_grad())
        {
            var loaded = fresh.LevelLogits(images);
            for (int l = 0; l < saved.Length; l++) Assert.True(MaxDiff(saved[l], loaded[l]) < 1e-6, $"level {l + 1}");
        }
    }
}
