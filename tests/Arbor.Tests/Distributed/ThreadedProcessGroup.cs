using Arbor.Distributed;
using static TorchSharp.torch;

namespace Arbor.Tests.Distributed;

/// <summary>
/// K ranks as K threads of this process, for tests of the data-parallel logic without mpirun: each collective parks the
/// rank's tensor in a shared slot, waits for all, and combines the slots in rank order.
/// </summary>
public sealed class ThreadedProcessGroup : IProcessGroup
{
    readonly Barrier _barrier;
    readonly Tensor?[] _slots;

    ThreadedProcessGroup(int rank, Barrier barrier, Tensor?[] slots)
    {
        Rank = rank;
        _barrier = barrier;
        _slots = slots;
    }

    public int Rank { get; }
    public int Size => _slots.Length;

    /// <summary>Runs <paramref name="body"/> on <paramref name="ranks"/> threads, one group member each; returns their results in rank order.</summary>
    public static T[] Run<T>(int ranks, Func<IProcessGroup, T> body)
    {
        var barrier = new Barrier(ranks);
        var slots = new Tensor?[ranks];
        var results = new T[ranks];
        var errors = new Exception?[ranks];
        var threads = Enumerable.Range(0, ranks).Select(r => new Thread(() =>
        {
            try { results[r] = body(new ThreadedProcessGroup(r, barrier, slots)); }
            catch (Exception e) { errors[r] = e; barrier.RemoveParticipant(); }
        }, 64 << 20)).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        if (errors.FirstOrDefault(e => e is not null) is { } error) throw new AggregateException(error);
        return results;
    }

    Tensor[] Exchange(Tensor tensor)
    {
        _slots[Rank] = tensor.detach().cpu().clone();
        _barrier.SignalAndWait();
        var all = _slots.Select(s => s!.clone()).ToArray();
        _barrier.SignalAndWait();
        _slots[Rank]!.Dispose();
        return all;
    }

    public void AllReduceSum(Tensor tensor)
    {
        var all = Exchange(tensor);
        var sum = all[0];
        for (int r = 1; r < all.Length; r++) sum = sum + all[r];
        using (no_grad()) tensor.copy_(sum);
    }

    public void AllReduceMax(Tensor tensor)
    {
        var all = Exchange(tensor);
        using (no_grad()) tensor.copy_(stack(all).amax(new long[] { 0 }));
    }

    public Tensor AllGather(Tensor tensor) => stack(Exchange(tensor)).to(tensor.device);

    public void Broadcast(Tensor tensor, int root = 0)
    {
        var all = Exchange(tensor);
        using (no_grad()) tensor.copy_(all[root]);
    }

    public void Barrier() => _barrier.SignalAndWait();
    public void Abort(int exitCode) => throw new InvalidOperationException($"abort {exitCode}");
    public void Dispose() { }
}
