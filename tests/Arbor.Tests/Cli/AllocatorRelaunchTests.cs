using System.Text.Json;

namespace Arbor.Tests.Cli;

/// <summary>
/// The CLI starts itself again under jemalloc (<see cref="NativeAllocator"/>): run out of process, as a user runs it,
/// through `dotnet Arbor.Cli.dll` (the host the relaunch has to repeat).
/// </summary>
public class AllocatorRelaunchTests
{
    // The allocator variables of the test host are cleared; each test sets what it checks.
    static (int Code, string Out, string Err) Arbor(IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var clean = new[] { NativeAllocator.ChoiceVariable, NativeAllocator.PathVariable, "LD_PRELOAD", "MALLOC_CONF" }
            .ToDictionary(name => name, _ => (string?)null);
        foreach (var (key, value) in environment) clean[key] = value;
        return CliProcess.Run(clean, TimeSpan.FromMinutes(2), args);
    }

    static readonly string[] QuickBench = { "bench", "tokenizer", "--prompts", "10", "--rounds", "1", "--json" };

    static string AllocatorOf(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.GetProperty("allocator").GetString()!;
    }

    [JemallocFact]
    public void A_computing_command_runs_under_jemalloc_with_its_pages_kept()
    {
        var (code, output, error) = Arbor(new Dictionary<string, string?>(), QuickBench);
        Assert.True(code == 0, error);
        Assert.Equal("jemalloc", AllocatorOf(output));
    }

    [JemallocFact]
    public void System_allocator_on_request_and_when_jemalloc_is_missing()
    {
        var chosen = Arbor(new Dictionary<string, string?> { [NativeAllocator.ChoiceVariable] = "system" }, QuickBench);
        Assert.True(chosen.Code == 0, chosen.Err);
        Assert.Equal("system", AllocatorOf(chosen.Out));

        var missing = Arbor(new Dictionary<string, string?> { [NativeAllocator.PathVariable] = "/nonexistent/libjemalloc.so.2" }, QuickBench);
        Assert.True(missing.Code == 0, missing.Err);
        Assert.Equal("system", AllocatorOf(missing.Out));
    }

    [JemallocFact]
    public void The_relaunched_commands_exit_code_and_error_reach_the_caller()
    {
        var (code, output, error) = Arbor(new Dictionary<string, string?>(), "bench", "train", "--steps", "0");
        Assert.Equal(2, code);
        Assert.Contains("error: --steps must be at least 1, not 0", error);
        Assert.Equal(1, error.Split('\n').Count(l => l.StartsWith("error:")));   // reported once, by the child
        Assert.Empty(output);
    }

    [Fact]
    public void The_test_process_describes_the_allocator_it_has()
    {
        // The test host is not relaunched: it runs on the C library's allocator unless the environment preloads jemalloc.
        var line = NativeAllocator.Describe();
        Assert.StartsWith(NativeAllocator.LoadedJemalloc() is null ? "allocator system" : "allocator jemalloc (", line);
        Assert.Equal(NativeAllocator.LoadedJemalloc() is null ? "system" : "jemalloc", NativeAllocator.Name);
    }
}

/// <summary>A fact that runs only where jemalloc is installed (apt-get install libjemalloc2; .ci/run does it).</summary>
public sealed class JemallocFactAttribute : FactAttribute
{
    public JemallocFactAttribute()
    {
        if (NativeAllocator.FindJemalloc() is null) Skip = "jemalloc not installed (apt-get install libjemalloc2; .ci/run does it)";
    }
}
