using Arbor.Experiments;
using Arbor.Hierarchy;
using Arbor.Methods.Contrastive;
using Arbor.Training;

namespace Arbor.Tests.Contrastive;

/// <summary><c>--mask-heads attention|static</c>: resolution into config.json, refusals, the stored config, the CLI.</summary>
public class StaticMaskOptionsTests
{
    [Fact]
    public void AHmlcDefaultsToAttentionHeadsAndStaticDropsTheHeadsOptions()
    {
        var attention = TrainRun.Resolve(new RunConfig { Method = "a-hmlc" });
        Assert.Equal(("attention", 0, false), (attention.MaskHeads, attention.MaskWidth!.Value, attention.DetachMaskInput!.Value));
        Assert.Equal(MaskHeadKind.Attention, ContrastiveRecipe.ObjectiveOptions(attention).MaskHeads);

        var stat = TrainRun.Resolve(new RunConfig { Method = "a-hmlc", MaskHeads = " Static " });
        Assert.Equal("static", stat.MaskHeads);
        Assert.Null(stat.MaskWidth);         // no hidden layer…
        Assert.Null(stat.DetachMaskInput);   // …and no backbone input to detach
        Assert.Equal(MaskHeadKind.Static, ContrastiveRecipe.ObjectiveOptions(stat).MaskHeads);
        Assert.Equal(stat, TrainRun.Resolve(stat));   // resolving a resolved config (resume) changes nothing

        Assert.Null(TrainRun.Resolve(new RunConfig { Method = "g-hmlc" }).MaskHeads);
        Assert.Null(TrainRun.Resolve(new RunConfig { Method = "hmlc" }).MaskHeads);
    }

    [Fact]
    public void KindNamesComeFromTheEnumAndParseBackToIt()
    {
        Assert.Equal(new[] { "attention", "static" }, MaskHeadKinds.Names);
        Assert.Equal(Enum.GetValues<MaskHeadKind>(), MaskHeadKinds.Names.Select(MaskHeadKinds.Parse));
        Assert.Equal(MaskHeadKind.Attention, MaskHeadKinds.Parse(null));   // configs from before the option
        var e = Assert.Throws<ArborException>(() => MaskHeadKinds.Parse("dynamic"));
        Assert.Contains("unknown mask heads 'dynamic'; valid: attention, static", e.Message);
        // An edited config.json with an unknown kind fails when the objective is built, naming the kinds.
        Assert.Throws<ArborException>(() => ContrastiveRecipe.ObjectiveOptions(new RunConfig { Method = "a-hmlc", MaskHeads = "dynamic" }));
    }

    [Theory]
    [InlineData("hmlc", "static", null, null, "--mask-heads applies to a-hmlc, not to hmlc")]
    [InlineData("g-hmlc", "attention", null, null, "--mask-heads applies to a-hmlc, not to g-hmlc")]
    [InlineData("ce", "static", null, null, "--mask-heads applies to contrastive methods, not to ce")]
    [InlineData("a-hmlc", "dynamic", null, null, "--mask-heads must be one of attention, static, not 'dynamic'")]
    [InlineData("a-hmlc", "static", null, true, "--detach-mask-input applies to a-hmlc's attention mask heads, not to --mask-heads static")]
    [InlineData("a-hmlc", "static", null, false, "--detach-mask-input applies to a-hmlc's attention mask heads")]
    [InlineData("a-hmlc", "static", 16, null, "--mask-width applies to a-hmlc's attention mask heads")]
    [InlineData("a-hmlc", "static", 16, true, "--mask-width, --detach-mask-input apply to a-hmlc's attention mask heads")]
    public void BadCombinationsAndUnknownValuesAreRefused(string method, string heads, int? width, bool? detach, string message)
    {
        var c = new RunConfig { Method = method, MaskHeads = heads, MaskWidth = width, DetachMaskInput = detach };
        var e = Assert.Throws<ArborException>(() => TrainRun.Resolve(c));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void AttentionHeadsStillTakeTheirOptions()
    {
        var c = TrainRun.Resolve(new RunConfig { Method = "a-hmlc", MaskHeads = "attention", MaskWidth = 7, DetachMaskInput = true });
        var o = ContrastiveRecipe.ObjectiveOptions(c);
        Assert.Equal((MaskHeadKind.Attention, 7, true), (o.MaskHeads, o.MaskHiddenDim, o.DetachMaskInput));
    }

    [Fact]
    public void RunConfigRoundTripsAndOldConfigsLoadAsAttention()
    {
        var stat = TrainRun.Resolve(new RunConfig { Method = "a-hmlc", MaskHeads = "static" });
        var json = stat.ToJson();
        Assert.Contains("\"mask_heads\": \"static\"", json);
        Assert.DoesNotContain("mask_width", json);
        Assert.Equal(stat, RunConfig.FromJson(json, "config.json"));

        // A config.json written before the option existed: an a-hmlc run with attention heads.
        var old = TrainRun.Resolve(new RunConfig { Method = "a-hmlc" }).ToJson();
        old = string.Join('\n', old.Split('\n').Where(line => !line.Contains("\"mask_heads\"")));
        Assert.DoesNotContain("mask_heads", old);
        var loaded = RunConfig.FromJson(old, "config.json");
        Assert.Null(loaded.MaskHeads);
        Assert.Equal(MaskHeadKind.Attention, ContrastiveRecipe.ObjectiveOptions(loaded).MaskHeads);

        // An edited value is refused with the file and the field.
        var edited = json.Replace("\"static\"", "\"dynamic\"");
        var e = Assert.Throws<ArborException>(() => RunConfig.FromJson(edited, "runs/x/config.json"));
        Assert.Contains("runs/x/config.json", e.Message);
        Assert.Contains("mask_heads 'dynamic' is not one of attention, static", e.Message);
    }

    [Fact]
    public void TheModelOfAStaticRunHoldsThetaUnderTheObjective()
    {
        var c = TrainRun.Resolve(new RunConfig { Method = "a-hmlc", MaskHeads = "static", Backbone = "resnet20", Channels = 1 });
        var hierarchy = BuiltInHierarchies.FashionMnist();
        using var model = new ImageMethodModel(c.Method, hierarchy, "resnet20", 1, ContrastiveRecipe.ObjectiveOptions(c));
        var objective = Assert.IsType<AHmlcLoss>(model.Objective);
        Assert.Equal(MaskHeadKind.Static, objective.MaskHeads);
        var keys = model.state_dict().Keys.Where(k => k.StartsWith("objective.", StringComparison.Ordinal)).ToArray();
        Assert.Equal(new[] { "objective.mask_logits" }, keys);
        Assert.Equal(hierarchy.Depth * model.Projection!.OutputDim, model.Objective!.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void CliRefusesBadCombinationsBeforeCreatingTheRunFolder()
    {
        using var tmp = TestPaths.NewTempFolder();
        var dir = tmp.File("run");
        var (code, _, err) = CliHarness.Run("train", "-m", "a-hmlc", "-d", "fashion-mnist-embedded", "--mask-heads", "static",
            "--detach-mask-input", "true", "--out", dir);
        Assert.NotEqual(0, code);
        Assert.Contains("--detach-mask-input applies to a-hmlc's attention mask heads, not to --mask-heads static", err);
        Assert.False(Directory.Exists(dir));

        (code, _, err) = CliHarness.Run("train", "-m", "a-hmlc", "-d", "fashion-mnist-embedded", "--mask-heads", "softmax", "--out", dir);
        Assert.NotEqual(0, code);
        Assert.Contains("--mask-heads must be one of attention, static, not 'softmax'", err);
        Assert.False(Directory.Exists(dir));

        (code, _, err) = CliHarness.Run("train", "-m", "hmlc", "-d", "fashion-mnist-embedded", "--mask-heads", "static", "--out", dir);
        Assert.NotEqual(0, code);
        Assert.Contains("--mask-heads applies to a-hmlc, not to hmlc", err);
        Assert.False(Directory.Exists(dir));

        var (helpCode, help, _) = CliHarness.Run("train", "--help");
        Assert.Equal(0, helpCode);
        Assert.Contains("--mask-heads", help);
    }
}
