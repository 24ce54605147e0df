using Arbor.Methods.Hgclip;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Tests.Hgclip;

public class HgclipLossTests
{
    [Fact]
    public void FinestLevelWeighsTwiceAndTheSumIsAveragedOverLevels()
    {
        using var scope = NewDisposeScope();
        var hierarchy = HgclipTestData.Small();   // A {x, y}, B {z}
        // One image of leaf y (coarse A = 0, fine y = 1).
        var coarse = torch.tensor(new float[,] { { (float)Math.Log(3), 0 } });   // p(A) = 3/4 → CE = ln(4/3)
        var fine = torch.tensor(new float[,] { { 0, 0, 0 } });                   // uniform → CE = ln 3
        double expected = (Math.Log(4.0 / 3) + 2 * Math.Log(3)) / 2;

        var fromLeaves = new HgclipLoss(hierarchy).Compute(new[] { coarse, fine }, torch.tensor(new long[] { 1 }));
        Assert.Equal(expected, fromLeaves.item<float>(), 5);
        var fromTargets = HgclipLoss.Compute(new[] { coarse, fine }, new[] { torch.tensor(new long[] { 0 }), torch.tensor(new long[] { 1 }) });
        Assert.Equal(expected, fromTargets.item<float>(), 5);

        // Leaf z: coarse B = 1 → CE = ln 4; fine uniform ln 3. Batch of both averages per level.
        var batch = new HgclipLoss(hierarchy).Compute(
            new[] { torch.cat(new[] { coarse, coarse }), torch.cat(new[] { fine, fine }) }, torch.tensor(new long[] { 1, 2 }));
        double expectedBatch = ((Math.Log(4.0 / 3) + Math.Log(4)) / 2 + 2 * Math.Log(3)) / 2;
        Assert.Equal(expectedBatch, batch.item<float>(), 5);
    }

    [Fact]
    public void WrongLevelCountIsRejected()
    {
        var loss = new HgclipLoss(HgclipTestData.Small());
        Assert.Throws<ArgumentException>(() => loss.Compute(new[] { torch.zeros(1, 2) }, torch.tensor(new long[] { 0 })));
    }
}
