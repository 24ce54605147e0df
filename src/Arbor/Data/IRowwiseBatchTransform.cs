using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Data;

/// <summary>
/// A batch transform that treats every sample on its own: sample i's output depends only on sample i and on the random
/// numbers drawn for row i. Such a transform can serve one rank's rows of a global batch without the other rows: it draws
/// the random numbers of the whole batch (a few per sample, in exactly the order <see cref="IBatchTransform.Apply"/> draws
/// them, so one process keeps its random stream) and applies only the rows it is given. Transforms that are not row-wise
/// get the whole batch from the loader, and the rank's rows are cut from their output.
/// </summary>
public interface IRowwiseBatchTransform : IBatchTransform
{
    /// <summary>
    /// Rows [<paramref name="firstRow"/>, <paramref name="firstRow"/> + rows.shape[0]) of
    /// <c>Apply(wholeBatch, generator)</c> for a batch of <paramref name="batchSize"/> samples whose rows those are:
    /// the same values, bit for bit, and the generator left in the same state.
    /// </summary>
    Tensor ApplyToRows(Tensor rows, long batchSize, long firstRow, torch.Generator generator);
}

/// <summary>Cuts per-sample random parameters (first dimension = batch) down to a part's rows.</summary>
internal static class DrawnRows
{
    /// <summary>
    /// Rows [first, first + count) of <paramref name="drawn"/>, or <paramref name="drawn"/> itself when that is every row —
    /// so a whole batch runs exactly the operations it ran before row-wise application existed.
    /// </summary>
    public static Tensor? Of(Tensor? drawn, long first, long count) =>
        drawn is null || first == 0 && count == drawn.shape[0] ? drawn : drawn.narrow(0, first, count);

    /// <summary>Checks that rows [first, first + count) lie in a batch of <paramref name="batchSize"/>.</summary>
    public static void Check(long batchSize, long first, long count)
    {
        if (first < 0 || count < 1 || first + count > batchSize)
            throw new ArgumentOutOfRangeException(nameof(first), $"rows {first}+{count} of a batch of {batchSize}");
    }
}
