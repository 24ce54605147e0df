using static TorchSharp.torch;

namespace Arbor.Distributed;

/// <summary>
/// Collectives inside the autograd graph. Every rank runs the same forward and backward order, so the collectives the
/// backward pass issues match across ranks.
/// </summary>
public static class DifferentiableCollectives
{
    /// <summary>The element-wise sum over ranks; its gradient is the sum over ranks of the gradients (synchronised
    /// BatchNorm's statistics).</summary>
    public static Tensor AllReduceSum(IProcessGroup group, Tensor x) =>
        group.Size == 1 ? x : AllReduceSumFunction.apply(x, group);

    /// <summary>
    /// Every rank's <paramref name="x"/> [n, …] concatenated in rank order, [K·n, …]. The backward pass sums the gradient
    /// over ranks and returns this rank's rows: with the same global loss on every rank, that is K × ∂L/∂x, so that
    /// averaging the parameter gradients over ranks afterwards gives exactly the gradient of the global loss, both for
    /// parameters before the gather (backbone) and after it (a loss's own parameters, complete on every rank).
    /// </summary>
    public static Tensor AllGatherRows(IProcessGroup group, Tensor x) =>
        group.Size == 1 ? x : AllGatherRowsFunction.apply(x, group);

    sealed class AllReduceSumFunction : autograd.SingleTensorFunction<AllReduceSumFunction>
    {
        public override string Name => "AllReduceSum";

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var group = (IProcessGroup)vars[1];
            ctx.save_data("group", group);
            var y = ((Tensor)vars[0]).contiguous().clone();
            group.AllReduceSum(y);
            return y;
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
        {
            var group = (IProcessGroup)ctx.get_data("group");
            var g = gradOutput.contiguous().clone();
            group.AllReduceSum(g);
            return new List<Tensor> { g, null! };
        }
    }

    sealed class AllGatherRowsFunction : autograd.SingleTensorFunction<AllGatherRowsFunction>
    {
        public override string Name => "AllGatherRows";

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var x = (Tensor)vars[0];
            var group = (IProcessGroup)vars[1];
            ctx.save_data("group", group);
            ctx.save_data("rows", x.shape[0]);
            using var gathered = group.AllGather(x);                       // [K, n, …]
            return gathered.flatten(0, 1).clone();
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
        {
            var group = (IProcessGroup)ctx.get_data("group");
            long rows = (long)ctx.get_data("rows");
            var g = gradOutput.contiguous().clone();
            group.AllReduceSum(g);
            return new List<Tensor> { g.narrow(0, group.Rank * rows, rows).clone(), null! };
        }
    }
}
