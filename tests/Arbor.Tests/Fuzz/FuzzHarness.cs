namespace Arbor.Tests.Fuzz;

/// <summary>
/// Runs a reader on many inputs and holds it to the one rule: it returns a value that passes <c>check</c>, or throws
/// <see cref="ArborException"/> — never another exception type, never longer than <see cref="FuzzSettings.CaseTimeLimit"/>.
/// </summary>
public static class FuzzHarness
{
    /// <summary>Counts of one run, for the test output.</summary>
    public sealed record Tally(int Accepted, int Refused)
    {
        public int Total => Accepted + Refused;
    }

    /// <summary>
    /// Runs <paramref name="iterations"/> cases: <paramref name="makeInput"/> builds case i's input from a seeded
    /// generator, <paramref name="read"/> parses it (null when there is nothing to check), <paramref name="check"/>
    /// asserts what an accepted value must satisfy. Failures name the reader, seed and case, and save the input.
    /// </summary>
    public static Tally Run<TInput, TValue>(string reader, int seed, int iterations, Func<Random, int, TInput> makeInput,
        Func<TInput, TValue> read, Action<TInput, TValue>? check = null, Func<TInput, byte[]>? save = null)
    {
        int accepted = 0, refused = 0;
        // One worker thread of its own runs the cases: the pool may be busy with other tests, and a hang must fail the
        // test rather than hold it forever (the stuck worker is a background thread and dies with the process).
        var work = new System.Collections.Concurrent.BlockingCollection<Action>();   // not disposed: the worker may still read it
        new Thread(() => { foreach (var action in work.GetConsumingEnumerable()) action(); }) { IsBackground = true, Name = $"fuzz {reader}" }.Start();
        try
        {
            for (int i = 0; i < iterations; i++)
            {
                // Not HashCode.Combine: .NET randomises it per process, so a failing case could not be replayed.
                var rng = new Random(unchecked(seed * 1_000_003 + i));
                var input = makeInput(rng, i);
                var outcome = new TaskCompletionSource<(bool Accepted, Exception? Escaped)>();
                work.Add(() =>
                {
                    try
                    {
                        var value = read(input);
                        try { check?.Invoke(input, value); }
                        finally { (value as IDisposable)?.Dispose(); }
                        outcome.SetResult((true, null));
                    }
                    catch (ArborException)
                    {
                        outcome.SetResult((false, null));
                    }
                    catch (Exception e)
                    {
                        outcome.SetResult((false, e));
                    }
                });
                // The first case also pays for JIT-compiling the reader, which on a loaded machine can take seconds.
                if (!outcome.Task.Wait(i == 0 ? 6 * FuzzSettings.CaseTimeLimit : FuzzSettings.CaseTimeLimit))
                    Fail(reader, seed, i, input, save, $"no answer within {FuzzSettings.CaseTimeLimit.TotalSeconds} s (a hang)");
                var (wasAccepted, escaped) = outcome.Task.Result;
                if (escaped is Xunit.Sdk.XunitException)
                    Fail(reader, seed, i, input, save, $"accepted an invalid value: {escaped.Message}");
                if (escaped is not null)
                    Fail(reader, seed, i, input, save, $"threw {escaped.GetType().Name} instead of ArborException: {escaped}");
                if (wasAccepted) accepted++; else refused++;
                if ((i + 1) % 1000 == 0 || i + 1 == iterations) Progress(reader, seed, i + 1, accepted, refused);
            }
        }
        finally
        {
            work.CompleteAdding();
        }
        return new Tally(accepted, refused);
    }

    // Long runs leave a line per reader under $TMPDIR/arbor-fuzz-progress/, so a run stopped early still tells its counts.
    static void Progress(string reader, int seed, int done, int accepted, int refused)
    {
        if (FuzzSettings.Iterations < 10_000) return;
        var folder = Path.Combine(Path.GetTempPath(), "arbor-fuzz-progress");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, reader + ".txt"),
            $"{reader} seed {seed}: {done} cases clean ({accepted} accepted, {refused} refused) at {DateTime.UtcNow:HH:mm:ss}\n");
    }

    static void Fail<TInput>(string reader, int seed, int index, TInput input, Func<TInput, byte[]>? save, string problem)
    {
        string where = "";
        if (save is not null)
        {
            Directory.CreateDirectory(FuzzSettings.FailureFolder);
            where = Path.Combine(FuzzSettings.FailureFolder, $"{reader}-{seed}-{index}.bin");
            File.WriteAllBytes(where, save(input));
            where = $" (input saved to {where})";
        }
        Assert.Fail($"{reader}: case {index} of seed {seed}{where}: {problem}");
    }
}
