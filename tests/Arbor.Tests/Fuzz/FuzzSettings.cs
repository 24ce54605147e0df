namespace Arbor.Tests.Fuzz;

/// <summary>
/// How much fuzzing a run does. CI runs a few hundred cases per reader (seconds in all); set
/// <c>ARBOR_FUZZ_ITERATIONS</c> for a deeper run (e.g. 100000 per reader) and <c>ARBOR_FUZZ_SEED</c> to explore other
/// inputs. A failing case prints its seed and case number and saves the input under the temporary folder.
/// </summary>
public static class FuzzSettings
{
    /// <summary>Mutated cases per reader (default 250).</summary>
    public static int Iterations { get; } =
        int.TryParse(Environment.GetEnvironmentVariable("ARBOR_FUZZ_ITERATIONS"), out int n) && n > 0 ? n : 250;

    /// <summary>Base seed; each reader offsets it by a constant of its own.</summary>
    public static int Seed { get; } =
        int.TryParse(Environment.GetEnvironmentVariable("ARBOR_FUZZ_SEED"), out int s) ? s : 20261202;

    /// <summary>Longest one case may take before it counts as a hang (generous: the test machine may be loaded).</summary>
    public static TimeSpan CaseTimeLimit { get; } = TimeSpan.FromSeconds(10);

    /// <summary>Where failing inputs are saved.</summary>
    public static string FailureFolder => Path.Combine(Path.GetTempPath(), "arbor-fuzz-failures");
}
