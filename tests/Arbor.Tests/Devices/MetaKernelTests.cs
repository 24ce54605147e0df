using Arbor.Hierarchy;
using Arbor.Methods.Contrastive;
using Arbor.Methods.CrossEntropy;
using Arbor.Methods.Hgclip;
using Arbor.Models.Graph;
using Arbor.Tests.Graph;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Tests.Devices;

/// <summary>
/// How far a forward pass and loss get on libtorch's <c>meta</c> device (shapes only) with the libtorch TorchSharp-cpu
/// 0.107 ships (2.10, C++ build). The facts here are what docs/library.md states; when a TorchSharp upgrade registers more
/// meta kernels these tests fail and the list (and perhaps whole-method meta tests) should grow.
/// </summary>
public class MetaKernelTests
{
    static readonly Device Meta = new(DeviceType.META);
    static readonly ClassHierarchy Fashion = BuiltInHierarchies.FashionMnist();

    static Tensor R(params long[] shape) => randn(shape, device: Meta);
    static Tensor Ids(params long[] shape) => zeros(shape, dtype: ScalarType.Int64, device: Meta);

    /// <summary>Ops Arbor's models use that have meta kernels here.</summary>
    public static TheoryData<string> OpsWithMetaKernels => new(MetaOps.Keys.Where(k => !Missing.ContainsKey(k)));

    /// <summary>Ops Arbor's models use without a meta kernel here, with the aten op libtorch names.</summary>
    public static TheoryData<string> OpsWithoutMetaKernels => new(Missing.Keys);

    static readonly Dictionary<string, string> Missing = new()
    {
        ["conv2d"] = "convolution_overrideable",
        ["batch_norm"] = "aten::native_batch_norm",
        ["layer_norm"] = "aten::native_batch_norm",
        ["relu"] = "aten::relu",
        ["index_select"] = "aten::index_select",
        ["where"] = "aten::where.self",
        ["scaled_dot_product_attention"] = "aten::where.self_out",
        ["logsumexp"] = "aten::abs.out",
        ["logical_and"] = "aten::logical_and.out",
        ["nonzero"] = "aten::nonzero",
    };

    static readonly Dictionary<string, Func<Tensor>> MetaOps = new()
    {
        ["linear"] = () => nn.functional.linear(R(4, 8), R(3, 8), R(3)),
        ["matmul"] = () => R(4, 8).matmul(R(8, 3)),
        ["softmax"] = () => R(4, 8).softmax(-1),
        ["log_softmax"] = () => R(4, 8).log_softmax(-1),
        ["cross_entropy"] = () => nn.functional.cross_entropy(R(4, 8), Ids(4)),
        ["gelu"] = () => nn.functional.gelu(R(2, 8)),
        ["leaky_relu"] = () => nn.functional.leaky_relu(R(2, 8), 0.2),
        ["normalize"] = () => nn.functional.normalize(R(4, 8), dim: -1),
        ["adaptive_avg_pool2d"] = () => nn.functional.adaptive_avg_pool2d(R(2, 4, 8, 8), new long[] { 1, 1 }),
        ["max_pool2d"] = () => nn.functional.max_pool2d(R(2, 4, 8, 8), new long[] { 2, 2 }),
        ["gather"] = () => R(5, 8).gather(1, Ids(5, 2)),
        ["index by tensor"] = () => R(5, 8)[Ids(3)],
        ["scatter_add"] = () => zeros(5, 8, device: Meta).scatter_add(0, Ids(2, 8), R(2, 8)),
        ["masked_fill"] = () => R(4, 4).masked_fill(zeros(4, 4, dtype: ScalarType.Bool, device: Meta), -1e9),
        ["max over a dim"] = () => R(4, 8).max(1).values,
        ["topk"] = () => R(4, 8).topk(3).values,
        ["conv2d"] = () => nn.functional.conv2d(R(2, 1, 8, 8), R(4, 1, 3, 3)),
        ["batch_norm"] = () => nn.functional.batch_norm(R(2, 4, 8, 8), zeros(4, device: Meta), ones(4, device: Meta), training: true),
        ["layer_norm"] = () => nn.functional.layer_norm(R(2, 8), new long[] { 8 }),
        ["relu"] = () => nn.functional.relu(R(2, 8)),
        ["index_select"] = () => R(5, 8).index_select(0, Ids(3)),
        ["where"] = () => where(zeros(4, 4, dtype: ScalarType.Bool, device: Meta), R(4, 4), R(4, 4)),
        ["scaled_dot_product_attention"] = () => nn.functional.scaled_dot_product_attention(R(1, 2, 4, 8), R(1, 2, 4, 8), R(1, 2, 4, 8)),
        ["logsumexp"] = () => R(4, 8).logsumexp(1),
        ["logical_and"] = () => zeros(4, dtype: ScalarType.Bool, device: Meta).logical_and(zeros(4, dtype: ScalarType.Bool, device: Meta)),
        ["nonzero"] = () => R(4).nonzero(),
    };

    [Theory]
    [MemberData(nameof(OpsWithMetaKernels))]
    public void These_ops_run_on_meta(string op)
    {
        using var scope = NewDisposeScope();
        Assert.Equal(DeviceType.META, MetaOps[op]().device_type);
    }

    [Theory]
    [MemberData(nameof(OpsWithoutMetaKernels))]
    public void These_ops_have_no_meta_kernel_in_this_libtorch(string op)
    {
        using var scope = NewDisposeScope();
        var e = Assert.ThrowsAny<Exception>(() => MetaOps[op]());
        Assert.Contains(Missing[op], e.Message);
    }

    [Fact]
    public void Per_level_linear_heads_run_forward_loss_and_backward_on_meta()
    {
        // ce-levels' head and every linear probe (contrastive methods, linear-probe on CLIP) are LevelHeads.
        using var scope = NewDisposeScope();
        foreach (var head in new LevelHeads[] { new LevelHeads(Fashion, 8), new LinearProbe(Fashion, 8) })
        {
            head.to(Meta);
            var logits = head.forward(R(4, 8));
            Assert.Equal(new long[] { 2, 6, 10 }, logits.Select(l => l.shape[1]));
            Assert.All(logits, l => Assert.Equal(DeviceType.META, l.device_type));
            var loss = head.Loss(logits, Ids(4, 3));
            Assert.Equal(DeviceType.META, loss.device_type);
            loss.backward();
            Assert.All(head.parameters(), p => Assert.Equal(DeviceType.META, p.grad!.device_type));
        }
    }

    [Fact]
    public void The_other_method_parts_stop_at_the_op_without_a_meta_kernel()
    {
        using var scope = NewDisposeScope();
        void StopsAt(string atenOp, Action forward) => Assert.Contains(atenOp, Assert.ThrowsAny<Exception>(forward).Message);

        var leafHead = new LeafCrossEntropyHead(Fashion, 8);
        leafHead.to(Meta);
        StopsAt("aten::abs.out", () => leafHead.Loss(leafHead.forward(R(4, 8)), Ids(4, 3)));            // ce: logsumexp
        var graph = new GraphEncoder(8);
        graph.to(Meta);
        using var neighbours = new GraphNeighbours(GatReference.TreeAdjacency(Fashion));
        StopsAt("aten::index_select", () => graph.forward(R(18, 8), neighbours.On(Meta)));               // HGCLIP's GAT
        StopsAt("aten::index_select", () => new HgclipLoss(Fashion).Compute(new[] { R(4, 2), R(4, 6), R(4, 10) }, Ids(4)));
        var z = nn.functional.normalize(R(4, 2, 8), dim: -1);
        StopsAt("aten::logical_and.out", () => new SupConLoss().Loss(z, Ids(4, 3)));                      // positive masks
        StopsAt("aten::logical_and.out", () => new HmlcLoss().Loss(z, Ids(4, 3)));
    }
}
