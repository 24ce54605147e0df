namespace Arbor.Data;

/// <summary>
/// One of <see cref="Count"/> contiguous parts of every batch: part k of K holds rows [k·n/K, (k+1)·n/K) of a batch of
/// n rows — how the ranks of a data-parallel training run split each global batch (<see cref="BatchShard"/> splits an
/// evaluation by whole batches instead). A loader asked for a part reads and augments only that part's rows, each exactly
/// as the whole batch has it (<see cref="BatchLoader.GetBatches(int, RowShard, System.Threading.CancellationToken)"/>).
/// </summary>
public readonly record struct RowShard
{
    public RowShard(int index, int count)
    {
        if (count < 1 || index < 0 || index >= count)
            throw new ArgumentOutOfRangeException(nameof(index), $"row shard {index} of {count}: expected 0 ≤ index < count");
        Index = index;
        _count = count;
    }

    readonly int _count;   // 0 in default(RowShard), which means every row

    /// <summary>Every row (one part of one).</summary>
    public static RowShard Whole => new(0, 1);

    /// <summary>This part, 0 … <see cref="Count"/> − 1 (the rank).</summary>
    public int Index { get; }

    /// <summary>Number of parts (the ranks).</summary>
    public int Count => Math.Max(1, _count);

    /// <summary>True for the single part that holds every row.</summary>
    public bool IsWhole => Count == 1;

    /// <summary>
    /// First row and row count of this part in a batch of <paramref name="batchRows"/> rows. Parts are equal, so that every
    /// rank's mean loss weighs its rows as the global mean does: a batch that does not split evenly is refused.
    /// </summary>
    public (int First, int Length) RowsOf(int batchRows)
    {
        if (batchRows % Count != 0)
            throw new ArborException($"a batch of {batchRows} samples does not split evenly over {Count} ranks; " +
                                     $"choose a batch size that is a multiple of {Count}");
        int length = batchRows / Count;
        return (Index * length, length);
    }
}
