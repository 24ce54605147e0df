using Xunit.Abstractions;

namespace Arbor.Tests.Fuzz;

/// <summary>
/// What every fuzz class shares: a temporary folder (removed afterwards), the test output, and the common case — file
/// contents made per case, written to one path, read back by a file reader, the tally printed.
/// </summary>
public abstract class FuzzTests(ITestOutputHelper output) : IDisposable
{
    protected readonly TempFolder Tmp = TestPaths.NewTempFolder();

    protected ITestOutputHelper Output => output;

    public void Dispose() => Tmp.Dispose();

    /// <summary>
    /// Runs <paramref name="read"/> on <paramref name="iterations"/> (default <see cref="FuzzSettings.Iterations"/>) files:
    /// case i's bytes come from <paramref name="makeFile"/>, are written to <paramref name="fileName"/> in the temporary
    /// folder and read from there; an accepted value must pass <paramref name="check"/>. A failing file is saved (see
    /// <see cref="FuzzHarness"/>). Prints "reader: N files, A accepted, R refused".
    /// </summary>
    protected FuzzHarness.Tally Files<TValue>(string reader, int seedOffset, string fileName, Func<Random, byte[]> makeFile,
        Func<string, TValue> read, Action<byte[], TValue>? check = null, int? iterations = null)
    {
        var path = Tmp.File(fileName);
        var tally = FuzzHarness.Run(reader, FuzzSettings.Seed + seedOffset, iterations ?? FuzzSettings.Iterations,
            (rng, _) => makeFile(rng),
            bytes =>
            {
                File.WriteAllBytes(path, bytes);
                return read(path);
            },
            check, bytes => bytes);
        output.WriteLine($"{reader}: {tally.Total} files, {tally.Accepted} accepted, {tally.Refused} refused");
        return tally;
    }
}
