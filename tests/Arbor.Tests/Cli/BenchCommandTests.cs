namespace Arbor.Tests.Cli;

/// <summary>
/// `arbor bench`: the benchmarks run as CLI commands and print to the invocation's output. They swap Console.Out while
/// they run, so they stay out of parallel runs.
/// </summary>
[Collection(ProcessWideStateCollection.Name)]
public class BenchCommandTests
{
    [Fact]
    public void Bench_data_measures_the_loader_and_prints_to_the_commands_output()
    {
        var (code, output, error) = CliHarness.Run("bench", "data", "--dataset", "fashion-mnist-embedded", "--limit", "300",
            "--epochs", "2", "--batch-size", "100", "--augment", "none");
        Assert.True(code == 0, error);
        Assert.Contains("first 300: 300 images → [100, 1, 28, 28] × 2 view(s)", output);
        var epochs = output.Split('\n').Where(l => l.StartsWith("epoch ")).ToArray();
        Assert.Equal(2, epochs.Length);
        Assert.All(epochs, l => Assert.Matches(@"^epoch \d: 300 images in [\d.]+ s = \d+ images/s", l));
    }

    [Fact]
    public void Bench_lists_every_benchmark()
    {
        var (code, output, _) = CliHarness.Run("bench", "--help");
        Assert.Equal(0, code);
        foreach (var name in new[] { "matmul", "data", "train", "clip", "hgclip", "tokenizer" })
            Assert.Matches($@"\n\s+{name}\s", output);
    }

    [Fact]
    public void Bench_refuses_bad_input_with_exit_2()
    {
        var (code, _, error) = CliHarness.Run("bench", "train", "--method", "hgclip");
        Assert.Equal(2, code);
        Assert.Contains("arbor bench hgclip", error);
        Assert.Equal(2, CliHarness.Run("bench", "data", "--augment", "sideways", "--limit", "10").Code);
    }
}
