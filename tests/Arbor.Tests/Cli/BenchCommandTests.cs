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
        Assert.All(epochs, l => Assert.Matches(@"; 3 steps, [\d.]+ ms per step \(CPU [\d.]+ ms\)", l));
    }

    [Fact]
    public void Bench_json_puts_the_figures_on_standard_output_and_the_text_on_standard_error()
    {
        var (code, output, error) = CliHarness.Run("bench", "data", "--dataset", "fashion-mnist-embedded", "--limit", "200",
            "--epochs", "2", "--batch-size", "100", "--augment", "none", "--json");
        Assert.True(code == 0, error);
        using var document = System.Text.Json.JsonDocument.Parse(output);   // nothing but the JSON on standard output
        var root = document.RootElement;
        Assert.Equal("data", root.GetProperty("bench").GetString());
        var epochs = root.GetProperty("figures").GetProperty("epochs").EnumerateArray().ToArray();
        Assert.Equal([0, 1], epochs.Select(e => e.GetProperty("epoch").GetInt32()));
        Assert.All(epochs, e => Assert.Equal(200, e.GetProperty("images").GetInt64()));
        Assert.All(epochs, e => Assert.True(e.GetProperty("images_per_s").GetDouble() > 0));
        Assert.Contains("epoch 1: 200 images", error);

        (code, output, error) = CliHarness.Run("bench", "train", "--method", "ce", "--batch-size", "8", "--steps", "1", "--json");
        Assert.True(code == 0, error);
        using var train = System.Text.Json.JsonDocument.Parse(output);
        var figures = train.RootElement.GetProperty("figures");
        Assert.Equal("ce", figures.GetProperty("method").GetString());
        Assert.Equal(8, figures.GetProperty("batch").GetInt32());
        Assert.True(figures.GetProperty("images_per_s").GetDouble() > 0);
        Assert.True(figures.GetProperty("peak_rss_mib").GetDouble() > 0);
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

    [Theory]
    [InlineData("--steps", "0", "--steps must be at least 1, not 0")]
    [InlineData("--steps", "-1", "--steps must be at least 1, not -1")]
    [InlineData("--batch-size", "1", "--batch-size must be at least 2, not 1")]
    [InlineData("--size", "4", "--size must be at least 8, not 4")]
    [InlineData("--threads", "0", "--threads must be at least 1, not 0")]
    [InlineData("--channels", "2", "--channels must be 1 or 3, not 2")]
    public void Bench_train_refuses_sizes_it_cannot_time(string option, string value, string message)
    {
        var (code, output, error) = CliHarness.Run("bench", "train", option, value);
        Assert.Equal(2, code);
        Assert.Contains(message, error);
        Assert.DoesNotContain("warm-up", output);   // refused before any step ran
    }
}
