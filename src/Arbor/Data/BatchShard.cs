namespace Arbor.Data;

/// <summary>
/// One of <see cref="Count"/> interleaved parts of an epoch's batches: part <see cref="Index"/> holds batches
/// Index, Index + Count, … — how the ranks of a data-parallel run split an evaluation. Whole batches (not rows of
/// every batch) go to one rank, so each batch is computed exactly as one process computes it.
/// </summary>
public readonly record struct BatchShard
{
    public BatchShard(int index, int count)
    {
        if (count < 1 || index < 0 || index >= count)
            throw new ArgumentOutOfRangeException(nameof(index), $"shard {index} of {count}: expected 0 ≤ index < count");
        Index = index;
        _count = count;
    }

    readonly int _count;   // 0 in default(BatchShard), which means the whole epoch

    /// <summary>Every batch (one part of one).</summary>
    public static BatchShard Whole => new(0, 1);

    /// <summary>This part, 0 … <see cref="Count"/> − 1.</summary>
    public int Index { get; }

    /// <summary>Number of parts.</summary>
    public int Count => Math.Max(1, _count);

    /// <summary>True when batch <paramref name="batchIndex"/> belongs to this part.</summary>
    public bool Owns(int batchIndex) => batchIndex % Count == Index;

    /// <summary>Batches of this part among <paramref name="batches"/>.</summary>
    public int BatchesOf(int batches) => batches / Count + (Index < batches % Count ? 1 : 0);
}
