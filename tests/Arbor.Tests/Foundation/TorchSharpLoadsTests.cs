using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Tests.Foundation;

/// <summary>Proves the native TorchSharp stack loads on this host (see build/TorchSharpNative.targets) and computes.</summary>
public class TorchSharpLoadsTests
{
    [Fact]
    public void AutogradStepReducesLoss()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(0);
        var x = torch.randn(32, 3);
        var wTrue = torch.tensor(new float[] { 1.5f, -2f, 0.5f }).reshape(3, 1);
        var y = x.matmul(wTrue);
        var w = torch.zeros(3, 1, requires_grad: true);
        float first = 0, last = 0;
        for (int step = 0; step < 50; step++)
        {
            var loss = (x.matmul(w) - y).pow(2).mean();
            if (step == 0) first = loss.item<float>();
            last = loss.item<float>();
            loss.backward();
            using (torch.no_grad())
            {
                w.sub_(w.grad! * 0.1f);
                w.grad!.zero_();
            }
        }
        Assert.True(last < first * 0.05f, $"loss {first} -> {last}");
        // Gradient of mean((xw - y)^2) at w = 0 is -2/N x^T y: check against the closed form.
        var w0 = torch.zeros(3, 1, requires_grad: true);
        (x.matmul(w0) - y).pow(2).mean().backward();
        var expected = x.t().matmul(y) * (-2.0f / 32);
        Assert.True(torch.allclose(w0.grad!, expected, rtol: 1e-5, atol: 1e-6));
    }
}
