using Arbor.Models.Clip;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Tests.Clip;

/// <summary>
/// The CLIP block's memory behaviour: the MLP's row chunks (taken when an activation would pass glibc's mmap threshold)
/// give the one-piece result, and a block frees its intermediates itself instead of leaving them to the caller's scope.
/// </summary>
public class ClipBlockTests
{
    static ClipMlp Mlp(string activation, int seed)
    {
        torch.manual_seed(seed);
        var mlp = new ClipMlp(16, 40, activation);
        mlp.eval();
        return mlp;
    }

    /// <summary>Largest elementwise difference, and the shapes must agree.</summary>
    static float MaxDiff(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.shape, actual.shape);
        using var diff = (expected - actual).abs().max();
        return diff.item<float>();
    }

    [Theory]
    [InlineData("quick_gelu", 1000)]   // 21 rows × 40 × 4 bytes = 3,360 bytes → 4 chunks of 6, 6, 6 and 3 rows
    [InlineData("quick_gelu", 200)]    // one row per chunk
    [InlineData("gelu", 1700)]         // 2 chunks of 11 and 10 rows
    public void RowChunksEqualTheOnePieceForwardWithoutAutograd(string activation, long limit)
    {
        using var scope = NewDisposeScope();
        using var mlp = Mlp(activation, seed: 3);
        var x = torch.randn(3, 7, 16);
        using var mode = torch.inference_mode();
        var whole = mlp.Forward(x);
        mlp.MaxActivationBytes = limit;
        var chunked = mlp.Forward(x);
        Assert.True(MaxDiff(whole, chunked) <= 1e-6f, $"chunked MLP differs from the one-piece MLP by {MaxDiff(whole, chunked)}");
        Assert.True(MaxDiff(whole, torch.zeros_like(whole)) > 0.01f);   // a real output, not zeros on both sides
    }

    [Fact]
    public void RowChunksKeepTheInputGradient()
    {
        using var scope = NewDisposeScope();
        using var mlp = Mlp("quick_gelu", seed: 4);
        var x0 = torch.randn(3, 7, 16);
        var x1 = x0.detach().clone().requires_grad_(true);
        var x2 = x0.detach().clone().requires_grad_(true);
        using var weights = torch.randn(3, 7, 16);
        (mlp.Forward(x1) * weights).sum().backward();
        mlp.MaxActivationBytes = 1000;
        var chunked = mlp.Forward(x2);
        (chunked * weights).sum().backward();
        Assert.True(MaxDiff(x1.grad!, x2.grad!) <= 1e-5f, $"input gradients differ by {MaxDiff(x1.grad!, x2.grad!)}");
    }

    [Fact]
    public void ChunkedInputMatchesTheDefaultLimitOnBatchSixtyFourShapes()
    {
        // The text tower's own case at reduced width: 64 × 77 rows, an activation of 64 × 77 × 1280 floats = 25.2 MB,
        // over the default 24 MB limit, so the default path itself chunks; a limit above it computes in one piece.
        using var scope = NewDisposeScope();
        torch.manual_seed(5);
        using var mlp = new ClipMlp(32, 1280, "quick_gelu");
        var x = torch.randn(64, 77, 32);
        using var mode = torch.inference_mode();
        var chunked = mlp.Forward(x);
        mlp.MaxActivationBytes = long.MaxValue;
        var whole = mlp.Forward(x);
        Assert.True(MaxDiff(whole, chunked) <= 1e-5f, $"default chunks differ from one piece by {MaxDiff(whole, chunked)}");
    }

    /// <summary>Tensors of this thread not yet disposed, after <paramref name="run"/> minus before (its result counts 1).</summary>
    static long LiveAfter(Func<Tensor> run)
    {
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        using var result = run();
        return DisposeScopeManager.Statistics.ThreadTotalLiveCount - before;
    }

    [Fact]
    public void ABlockLeavesOnlyItsOutputAlive()
    {
        // Inside a caller's dispose scope, anything a block does not dispose itself lives until that scope ends; a view
        // keeps its storage, so leftover q/k/v handles once kept every block's q, k and v until the end of the tower.
        using var scope = NewDisposeScope();
        torch.manual_seed(6);
        using var attention = new ClipAttention(16, 4);
        using var layer = new ClipEncoderLayer(16, 4, 40, "quick_gelu", 1e-5);
        using var mlp = Mlp("quick_gelu", seed: 6);
        var x = torch.randn(2, 5, 16);
        using var mode = torch.inference_mode();
        Assert.Equal(1, LiveAfter(() => attention.Forward(x, causal: true)));
        Assert.Equal(1, LiveAfter(() => attention.Forward(x, causal: false)));
        Assert.Equal(1, LiveAfter(() => layer.Forward(x, causal: true)));
        Assert.Equal(1, LiveAfter(() => mlp.Forward(x)));
        mlp.MaxActivationBytes = 500;
        Assert.Equal(1, LiveAfter(() => mlp.Forward(x)));
    }
}
