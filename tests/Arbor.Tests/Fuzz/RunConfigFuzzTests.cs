using Arbor.Experiments;
using Arbor.Training;
using Xunit.Abstractions;

namespace Arbor.Tests.Fuzz;

/// <summary>
/// A run's config.json (what eval, predict, report and --resume read back): configs as train writes them round-trip;
/// edited ones are read to a config whose every value a run can use, or refused naming the file.
/// </summary>
public sealed class RunConfigFuzzTests(ITestOutputHelper output) : FuzzTests(output)
{
    static readonly string[] Methods = ["ce", "ce-levels", "hmlc", "supcon", "g-hmlc", "hgclip", "linear-probe"];

    /// <summary>A config as `arbor train` writes one: resolved method defaults, the input geometry and normalisation.</summary>
    static RunConfig Stored(Random rng)
    {
        int channels = rng.Next(2) == 0 ? 1 : 3;
        var config = TrainRun.Resolve(new RunConfig
        {
            Method = Methods[rng.Next(Methods.Length)], Dataset = rng.Next(2) == 0 ? "fashion-mnist" : "/data/my images/é",
            Seed = rng.Next(100), ValidationFraction = rng.Next(10) / 20.0, TrainLimit = rng.Next(2) == 0 ? null : 1 + rng.Next(1000),
        });
        return config with
        {
            ImageSize = 8 + rng.Next(200), Channels = channels, Normalization = rng.Next(2) == 0 ? "data" : "imagenet",
            Mean = Enumerable.Range(0, channels).Select(_ => (float)rng.NextDouble()).ToArray(),
            Std = Enumerable.Range(0, channels).Select(_ => 0.05f + (float)rng.NextDouble()).ToArray(),
            Resize = rng.Next(2) == 0 ? "stretch" : "shorter-side-center-crop",
        };
    }

    /// <summary>What an accepted config must satisfy: the run can be built from it, and it reads back to itself.</summary>
    static void CheckConfig(RunConfig c)
    {
        Assert.NotNull(MethodCatalog.Get(c.Method));
        c.ResizeRule();
        var normalization = c.InputNormalization();
        if (normalization is not null) Assert.All(normalization.Std, s => Assert.True(s > 0 && float.IsFinite(s)));
        Assert.True(c.ImageSize is null or >= 8 and <= RunValidation.MaxImageSize);
        Assert.Equal(c.ToJson(), RunConfig.FromJson(c.ToJson(), "again").ToJson());
    }

    [Fact]
    public void Configs_as_train_writes_them_round_trip()
    {
        var tally = Files("run-config-valid", 50, "config.json", rng => System.Text.Encoding.UTF8.GetBytes(Stored(rng).ToJson()),
            RunConfig.Read, (bytes, c) =>
            {
                CheckConfig(c);
                Assert.Equal(System.Text.Encoding.UTF8.GetString(bytes), c.ToJson());
            }, iterations: Math.Max(50, FuzzSettings.Iterations / 5));
        Assert.Equal(0, tally.Refused);
    }

    [Fact]
    public void Edited_configs_are_usable_or_refused()
    {
        Files("run-config", 51, "config.json", rng => new Mutator(rng).Text(Stored(rng).ToJson()), RunConfig.Read,
            (_, c) => CheckConfig(c));
    }

    [Theory]
    [InlineData("\"method\": \"ce\"", "\"method\": 5", "malformed run config")]
    [InlineData("\"method\": \"ce\"", "\"method\": \"bogus\"", "unknown method 'bogus'")]
    [InlineData("\"resize\": \"stretch\"", "\"resize\": \"bogus\"", "unknown resize rule")]
    [InlineData("\"channels\": 3", "\"channels\": 2", "channels 2 is not 1 or 3")]
    [InlineData("\"seed\": 0", "\"seed\": 0, \"seed\": 1", "appears twice")]
    [InlineData("\"learning_rate\": 0.1", "\"learning_rate\": 1e999", "learning_rate is Infinity, not a finite number")]   // found by the long run
    [InlineData("\"dataset\": \"fashion-mnist\"", "\"dataset\": \"\\ud800\"", "lone surrogate")]
    public void Edits_from_the_issue_are_refused_naming_the_file(string from, string to, string problem)
    {
        var json = TrainRun.Resolve(new RunConfig { Method = "ce" }) with
        {
            ImageSize = 28, Channels = 3, Normalization = "data", Mean = [0.5f, 0.5f, 0.5f], Std = [0.2f, 0.2f, 0.2f], Resize = "stretch",
        };
        var text = json.ToJson();
        Assert.Contains(from, text);
        var path = Tmp.File("config.json");
        File.WriteAllText(path, text.Replace(from, to));
        var e = Assert.ThrowsAny<ArborException>(() => RunConfig.Read(path));
        Assert.Contains(problem, e.Message);
        Assert.StartsWith(path, e.Message);
    }
}
