using System.CommandLine;
using Arbor.Cli;
using Arbor.Cli.Commands;
using Arbor.Evaluation;

namespace Arbor.Tests.Reporting;

/// <summary>One CLI: the same concept has the same name and default in every command.</summary>
public class CliConventionsTests
{
    static IEnumerable<Command> AllCommands(Command c) => new[] { c }.Concat(c.Subcommands.SelectMany(AllCommands));

    static IEnumerable<(Command Command, Option Option)> AllOptions() =>
        AllCommands(ArborCli.Build()).SelectMany(c => c.Options.Select(o => (c, o)));

    [Fact]
    public void OneNamePerConceptAndOldSpellingsAreOnlyAliases()
    {
        // Primary names never use the old spellings; wherever the concept appears it has the canonical name.
        string[] old = { "--batch", "--root", "--validation-fraction" };
        foreach (var (command, option) in AllOptions())
            Assert.False(old.Contains(option.Name), $"`{command.Name}` has {option.Name}");
        var canonical = new Dictionary<string, string[]>
        {
            ["--batch-size"] = new[] { "--batch" }, ["--data-root"] = new[] { "--root" }, ["--val-fraction"] = new[] { "--validation-fraction" },
            ["--run"] = new[] { "-r" }, ["--out"] = new[] { "-o" },
        };
        foreach (var (command, option) in AllOptions())
            if (canonical.TryGetValue(option.Name, out var aliases))
                Assert.True(aliases.All(option.Aliases.Contains), $"`{command.Name} {option.Name}` lacks {string.Join(", ", aliases)}");
    }

    [Fact]
    public void EveryDecodingOptionDefaultsToConsistent()
    {
        var decodings = AllOptions().Where(p => p.Option.Name == "--decoding").ToArray();
        Assert.True(decodings.Length >= 4, "train, eval, predict and zeroshot decode");
        foreach (var (command, option) in decodings)
        {
            Assert.Equal("consistent", ((Option<string>)option).DefaultValueFactory!(null!));
        }
    }

    [Fact]
    public void CommandsThatReportTakeJsonAndUsageSaysArbor()
    {
        var root = ArborCli.Build();
        Assert.Equal("arbor", root.Name);
        string[] reporting = { "train", "eval", "predict", "zeroshot", "demo", "report", "compare", "data info", "hierarchy show",
            "hierarchy check", "clip embed" };
        foreach (var path in reporting)
        {
            var command = path.Split(' ').Aggregate((System.CommandLine.Command)root, (c, name) => c.Subcommands.Single(s => s.Name == name));
            Assert.Contains(command.Options, o => o.Name == "--json");
        }
        var help = CliHarness.Run("eval", "--help");
        Assert.Contains("arbor eval [options]", help.Out);
        Assert.DoesNotContain("Arbor.Cli", help.Out);
    }

    [Fact]
    public void QuietAndVerboseExcludeEachOther()
    {
        var both = CliHarness.Run("hierarchy", "check", "fashion-mnist", "--quiet", "--verbose");
        Assert.Equal(2, both.Code);
        Assert.Contains("--quiet and --verbose", both.Err);
        Assert.Equal("", both.Out);
    }

    [Fact]
    public void EvalFilesNameTheDataset()
    {
        Assert.Equal("eval-fashion-mnist-test-consistent.json", EvalCommand.FileName("fashion-mnist", "test", Decoding.Consistent));
        Assert.Equal("eval-my-shop-validation-independent.json", EvalCommand.FileName("/data/my shop/", "validation", Decoding.Independent));
    }
}
