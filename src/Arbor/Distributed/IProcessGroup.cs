using static TorchSharp.torch;

namespace Arbor.Distributed;

/// <summary>
/// The processes of one data-parallel run and the collectives between them. Every rank must call the same collectives
/// in the same order with tensors of the same shape and type; tensors are CPU or device tensors of float32, float64 or
/// int64 (non-CPU or non-contiguous ones go through a CPU copy).
/// </summary>
public interface IProcessGroup : IDisposable
{
    /// <summary>This process's index, 0 … <see cref="Size"/> − 1. Rank 0 writes the run folder and prints progress.</summary>
    int Rank { get; }

    /// <summary>Number of processes (K).</summary>
    int Size { get; }

    /// <summary>Replaces <paramref name="tensor"/> by the element-wise sum over all ranks.</summary>
    void AllReduceSum(Tensor tensor);

    /// <summary>Replaces <paramref name="tensor"/> by the element-wise maximum over all ranks.</summary>
    void AllReduceMax(Tensor tensor);

    /// <summary>Every rank's <paramref name="tensor"/> (same shape on all ranks) stacked in rank order: [K, …shape].</summary>
    Tensor AllGather(Tensor tensor);

    /// <summary>Overwrites <paramref name="tensor"/> on every rank with the one of rank <paramref name="root"/>.</summary>
    void Broadcast(Tensor tensor, int root = 0);

    /// <summary>Returns once every rank has reached it.</summary>
    void Barrier();

    /// <summary>Ends every process of the run at once (after a failure on this rank, so the others do not wait forever).</summary>
    void Abort(int exitCode);
}

/// <summary>One process alone: every collective is the identity.</summary>
public sealed class SingleProcessGroup : IProcessGroup
{
    public static readonly SingleProcessGroup Instance = new();
    public int Rank => 0;
    public int Size => 1;
    public void AllReduceSum(Tensor tensor) { }
    public void AllReduceMax(Tensor tensor) { }
    public Tensor AllGather(Tensor tensor) => tensor.unsqueeze(0).clone();
    public void Broadcast(Tensor tensor, int root = 0)
    {
        if (root != 0) throw new ArgumentOutOfRangeException(nameof(root), "a single process has only rank 0");
    }
    public void Barrier() { }
    public void Abort(int exitCode) => Environment.Exit(exitCode);
    public void Dispose() { }
}

/// <summary>Helpers on top of the collectives.</summary>
public static class ProcessGroups
{
    /// <summary>Sums <paramref name="values"/> over all ranks (in place), e.g. metric counts.</summary>
    public static void SumOverRanks(this IProcessGroup group, double[] values)
    {
        if (group.Size == 1 || values.Length == 0) return;
        using var t = tensor(values, dtype: ScalarType.Float64);
        group.AllReduceSum(t);
        t.data<double>().CopyTo(values, 0);
    }

    /// <summary>The sum over all ranks of one number.</summary>
    public static double SumOverRanks(this IProcessGroup group, double value)
    {
        var one = new[] { value };
        group.SumOverRanks(one);
        return one[0];
    }

    /// <summary>True on the rank that writes files and prints progress.</summary>
    public static bool IsRoot(this IProcessGroup group) => group.Rank == 0;
}
