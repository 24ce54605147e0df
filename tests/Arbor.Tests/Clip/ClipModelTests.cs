using Arbor.Models.Clip;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Tests.Clip;

/// <summary>Internal consistency of the towers on random configurations of other shapes and conventions.</summary>
public class ClipModelTests
{
    static void Close(Tensor expected, Tensor actual, double tol = 1e-5)
    {
        Assert.Equal(expected.shape, actual.shape);
        float diff = (expected - actual).abs().max().item<float>();
        Assert.True(diff <= tol, $"max |diff| {diff} > {tol}");
    }

    public static TheoryData<string> Configs => new() { "gelu-legacy-eos", "quick-gelu-first-eos" };

    static ClipConfig ConfigOf(string name) => name == "gelu-legacy-eos" ? ClipTestModels.GeluLegacyEos : ClipTestModels.QuickGeluFirstEos;

    /// <summary>Token ids [BOS, words…, EOS, padding]: padding uses a low id and EOS is the largest id present.</summary>
    static Tensor Ids(ClipTextConfig t, int seed, int rows, params int[] lengths)
    {
        var rng = new Random(seed);
        int eos = t.EosTokenId == 2 ? t.VocabSize - 1 : t.EosTokenId;   // legacy exports: EOS is the largest id
        var data = new long[rows * t.MaxPositionEmbeddings];
        for (int r = 0; r < rows; r++)
        {
            int len = lengths[r % lengths.Length];
            data[r * t.MaxPositionEmbeddings] = t.BosTokenId;
            for (int i = 1; i <= len; i++) data[r * t.MaxPositionEmbeddings + i] = rng.Next(3, 27);
            data[r * t.MaxPositionEmbeddings + len + 1] = eos;
        }
        return tensor(data, [rows, t.MaxPositionEmbeddings]);
    }

    [Theory, MemberData(nameof(Configs))]
    public void TowersMatchAnIndependentPlainForward(string name)
    {
        using var scope = NewDisposeScope();
        using var model = ClipTestModels.Random(ConfigOf(name), seed: 11);
        var reference = new ClipReference(model);
        var ids = Ids(model.Config.Text, 1, 3, 1, 4, 6);
        var pixels = torch.randn(2, 3, model.Config.Vision.ImageSize, model.Config.Vision.ImageSize);
        using var mode = torch.inference_mode();
        Close(reference.Text(ids), model.EncodeText(ids));
        var (embeds, tokens) = reference.Vision(pixels);
        Close(embeds, model.EncodeImage(pixels));
        var output = model.EncodeImageWithTokens(pixels);
        Close(embeds, output.Embeds);
        Close(tokens, output.Tokens);
        Assert.Equal(new long[] { 2, model.Config.Vision.NumPatches, model.Config.ProjectionDim }, output.Tokens.shape);
    }

    [Theory, MemberData(nameof(Configs))]
    public void OutputsAreBatchAndPaddingInvariant(string name)
    {
        using var scope = NewDisposeScope();
        using var model = ClipTestModels.Random(ConfigOf(name), seed: 5);
        using var mode = torch.inference_mode();
        var ids = Ids(model.Config.Text, 2, 4, 2, 5, 1, 3);
        var all = model.EncodeText(ids);
        for (int i = 0; i < 4; i++) Close(all[i].unsqueeze(0), model.EncodeText(ids[i..(i + 1)]));

        // Whatever follows EOS (padding) must not change the pooled feature: refill it with other low ids.
        var repadded = ids.clone();
        var eos = model.Config.Text.EosTokenId == 2 ? model.Config.Text.VocabSize - 1 : model.Config.Text.EosTokenId;
        var afterEos = ids.eq(eos).to_type(ScalarType.Int32).cumsum(1).gt(0) & ids.ne(eos);
        repadded[afterEos] = torch.randint(3, 20, repadded.shape, dtype: ScalarType.Int64)[afterEos];
        Assert.True(repadded.ne(ids).any().item<bool>());
        Close(all, model.EncodeText(repadded));

        var pixels = torch.randn(3, 3, model.Config.Vision.ImageSize, model.Config.Vision.ImageSize);
        var images = model.EncodeImage(pixels);
        Close(images[1..2], model.EncodeImage(pixels[1..2]));
    }

    [Fact]
    public void PoolingFollowsTheEosConvention()
    {
        using var scope = NewDisposeScope();
        using var legacy = ClipTestModels.Random(ClipTestModels.GeluLegacyEos, seed: 1);
        using var modern = ClipTestModels.Random(ClipTestModels.QuickGeluFirstEos, seed: 1);
        // eos_token_id 2: argmax of the ids (first maximum), wherever id 2 is.
        var ids = tensor(new long[] { 48, 30, 2, 49, 49, 7, 0, 0, 0, 0 }, [1, 10]);
        Assert.Equal(3, legacy.TextModel.PooledPositions(ids).item<long>());
        // other eos ids: the first position holding it, even when a larger id precedes it.
        var ids2 = tensor(new long[] { 28, 5, 29, 29, 1, 0, 0, 0, 0 }, [1, 9]);
        Assert.Equal(2, modern.TextModel.PooledPositions(ids2).item<long>());
        using var mode = torch.inference_mode();
        var hidden = modern.TextModel.HiddenStates(ids2);
        Close(hidden[0, 2].unsqueeze(0), modern.TextModel.Forward(ids2));
    }

    [Theory, MemberData(nameof(Configs))]
    public void SavedCheckpointReloadsExactlyAndFloat16ComputesInFloat32(string name)
    {
        using var dir = TestPaths.NewTempFolder();
        using var scope = NewDisposeScope();
        using var model = ClipTestModels.Random(ConfigOf(name), seed: 3);
        ClipTestModels.Save(model, dir.File("f32"), legacyConfigDicts: name == "gelu-legacy-eos");
        ClipTestModels.Save(model, dir.File("f16"), ScalarType.Float16);
        using var reloaded = ClipModel.Load(dir.File("f32"));
        Assert.Equal(model.Config, reloaded.Config);
        using var half = ClipModel.Load(dir.File("f16"));
        var ids = Ids(model.Config.Text, 4, 2, 3, 5);
        var pixels = torch.randn(2, 3, model.Config.Vision.ImageSize, model.Config.Vision.ImageSize);
        using var mode = torch.inference_mode();
        Close(model.EncodeText(ids), reloaded.EncodeText(ids), 0);
        Close(model.EncodeImage(pixels), reloaded.EncodeImage(pixels), 0);
        // float16 weights: every parameter equals the float32 one rounded to half, held as float32.
        foreach (var (key, p) in half.state_dict())
        {
            Assert.Equal(ScalarType.Float32, p.dtype);
            Close(model.state_dict()[key].to_type(ScalarType.Float16).to_type(ScalarType.Float32), p, 0);
        }
    }
}
