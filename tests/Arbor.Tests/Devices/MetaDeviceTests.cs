using Arbor.Data;
using Arbor.Experiments;
using Arbor.Experiments.VisionLanguage;
using Arbor.Hierarchy;
using Arbor.Methods.Hgclip;
using Arbor.Methods.Prompting.Baselines;
using Arbor.Tests.HgclipTraining;
using Arbor.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Tests.Devices;

/// <summary>
/// Device plumbing without a GPU, on libtorch's <c>meta</c> device (shapes and dtypes, no data). Every method's whole model
/// — its module, and what it keeps outside the module (a frozen CLIP, node prompt tokens, fixed text features) — must move
/// to the requested device, batches must follow, and device names are checked.
/// A full forward pass on <c>meta</c> is not possible with this libtorch: the C++ build lacks meta kernels for convolution,
/// batch norm, relu, index_select, where, logsumexp and logical_and (PyTorch registers many in Python); MetaKernelTests
/// pins that list and runs forward + loss + backward where it can (the per-level linear heads).
/// </summary>
public sealed class MetaDeviceTests : IDisposable
{
    static readonly torch.Device Meta = new(DeviceType.META);
    readonly TempFolder _tmp = TestPaths.NewTempFolder();
    readonly ClassHierarchy _hierarchy = BuiltInHierarchies.FashionMnist();

    public void Dispose() => _tmp.Dispose();

    static void AssertOnMeta(Tensor t, string what) =>
        Assert.True(t.device_type == DeviceType.META, $"{what} is on {t.device}, not meta");

    static void AssertAllOnMeta(nn.Module module, string what)
    {
        Assert.NotEmpty(module.parameters().Concat(module.buffers()));
        foreach (var (name, p) in module.named_parameters()) AssertOnMeta(p, $"{what}: parameter {name}");
        foreach (var (name, b) in module.named_buffers()) AssertOnMeta(b, $"{what}: buffer {name}");
    }

    public static TheoryData<string> Methods => new(MethodCatalog.Names);

    [Theory]
    [MemberData(nameof(Methods))]
    public void EveryMethodsWholeModelMovesToTheRequestedDevice(string method)
    {
        using var scope = NewDisposeScope();
        var vision = MethodCatalog.Get(method).Family == MethodFamily.VisionLanguage;
        var config = new RunConfig
        {
            Method = method, Backbone = "resnet20", Channels = 1, Temperature = 0.1,
            ClipPath = vision ? ClipTinyFolder.Create(_tmp.File("clip"), _hierarchy) : null,
        };
        using var model = TrainRun.CreateModel(config, _hierarchy);
        Assert.Equal(DeviceType.CPU, model.Device.type);
        model.MoveTo(Meta);
        Assert.Equal(DeviceType.META, model.Device.type);
        if (model is ZeroShotModel zeroShot)
        {
            // Nothing trained, so an empty module: the frozen CLIP and the class embeddings are what must move.
            Assert.Empty(model.Module.parameters());
            AssertAllOnMeta(zeroShot.Clip, $"{method}: frozen CLIP");
            for (int level = 1; level <= _hierarchy.Depth; level++)
                AssertOnMeta(zeroShot.Classifier.ClassEmbeddingsAt(level), $"{method}: class embeddings of level {level}");
            return;
        }
        AssertAllOnMeta(model.Module, method);
        switch (model)
        {
            case HgclipModel hg:
                AssertAllOnMeta(hg.Clip, $"{method}: frozen CLIP");
                AssertOnMeta(hg.NodeTokens, $"{method}: node prompt tokens");
                break;
            case PromptBaselineModel baseline:
                AssertAllOnMeta(baseline.Clip, $"{method}: frozen CLIP");
                AssertOnMeta(baseline.FrozenTextFeatures, $"{method}: template text features");
                break;
            case ClipLinearProbeModel probe:
                AssertAllOnMeta(probe.Clip, $"{method}: frozen CLIP");
                break;
        }
    }

    [Fact]
    public void ABatchMovesToTheModelsDeviceAndStaysPutWhenAlreadyThere()
    {
        using var scope = NewDisposeScope();
        var leaves = tensor(new long[] { 3, 7 });
        var levels = new[] { tensor(new long[] { 0, 1 }), tensor(new long[] { 1, 4 }), leaves };
        using var cpu = new Batch(zeros(2, 1, 4, 4), null, leaves, levels, new[] { 5, 9 }, 2, 1);
        Assert.Same(cpu, cpu.To(CPU));
        var moved = cpu.To(Meta);
        AssertOnMeta(moved.Images, "images");
        Assert.All(moved.LevelLabels, t => AssertOnMeta(t, "level labels"));
        Assert.Same(moved.Leaves, moved.LevelLabels[^1]);
        Assert.Equal(new[] { 5, 9 }, moved.Indices);
        Assert.Equal((2, 1), (moved.Epoch, moved.BatchIndex));
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:x")]
    [InlineData("cuda:-1")]
    [InlineData("")]
    public void ABadDeviceNameIsAUserError(string name) =>
        Assert.Contains("use cpu, cuda or cuda:N", Assert.Throws<ArborException>(() => ComputeDevice.Parse(name)).Message);

    [Fact]
    public void CudaOnACpuBuildSaysHowToGetAGpuBuild()
    {
        Assert.Equal(DeviceType.CPU, ComputeDevice.Parse(" CPU ").type);
        if (cuda.is_available()) return;   // a CUDA build: nothing to refuse
        var message = Assert.Throws<ArborException>(() => ComputeDevice.Parse("cuda:0")).Message;
        Assert.Contains("TorchSharp-cpu", message);
        Assert.Contains("docs/library.md", message);
    }

    [Fact]
    public void TheCliRefusesAnUnknownDeviceBeforeDoingAnything()
    {
        using var tmp = TestPaths.NewTempFolder();
        var (code, _, err) = CliHarness.Run("train", "--method", "ce", "--dataset", "fashion-mnist-embedded", "--out", tmp.File("run"),
            "--device", "tpu");
        Assert.Equal(2, code);
        Assert.Contains("--device: 'tpu' is not a device", err);
        Assert.False(Directory.Exists(tmp.File("run")));
    }
}
