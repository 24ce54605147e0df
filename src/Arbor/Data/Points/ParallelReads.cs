namespace Arbor.Data.Points;

/// <summary>Reading many sample files on every core, with a bad file's own error (which names it) surfacing as is.</summary>
internal static class ParallelReads
{
    public static void For(int count, Action<int> read)
    {
        try
        {
            Parallel.For(0, count, read);
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            var first = e.InnerExceptions.OfType<ArborException>().FirstOrDefault() ?? e.InnerExceptions[0];
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(first).Throw();
            throw;
        }
    }
}
