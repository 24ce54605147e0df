using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Distributed;

/// <summary>
/// The ranks of an <c>mpirun</c> job (MPI_COMM_WORLD). Each collective runs under a watchdog: if it has not completed
/// after <see cref="Timeout"/> (env ARBOR_MPI_TIMEOUT, seconds, default 600) another rank has died or is stuck, and this
/// rank prints why and calls MPI_Abort, which ends every process of the job instead of leaving them waiting.
/// </summary>
public sealed unsafe class MpiProcessGroup : IProcessGroup
{
    /// <summary>Environment variable with the collective timeout in seconds.</summary>
    public const string TimeoutVariable = "ARBOR_MPI_TIMEOUT";
    /// <summary>Set by Open MPI's launcher in every process it starts.</summary>
    public const string LauncherSizeVariable = "OMPI_COMM_WORLD_SIZE";

    readonly MpiLibrary _mpi;
    readonly bool _initializedHere;
    bool _disposed;

    public int Rank { get; }
    public int Size { get; }
    public TimeSpan Timeout { get; }

    MpiProcessGroup(MpiLibrary mpi, bool initializedHere, TimeSpan timeout)
    {
        _mpi = mpi;
        _initializedHere = initializedHere;
        Timeout = timeout;
        Rank = mpi.Rank;
        Size = mpi.Size;
    }

    /// <summary>
    /// Joins the job this process was started in by <c>mpirun</c>. Fails with a clear <see cref="ArborException"/> when
    /// libmpi is not installed or the process was not started by mpirun (it would silently be a job of one).
    /// </summary>
    public static MpiProcessGroup Join()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(LauncherSizeVariable)))
            throw new ArborException("--distributed mpi: this process was not started by Open MPI's mpirun " +
                                     $"({LauncherSizeVariable} is not set); run it as `mpirun -np K arbor train … --distributed mpi`");
        var timeout = ParseTimeout(Environment.GetEnvironmentVariable(TimeoutVariable));
        var mpi = MpiLibrary.Load();
        bool here = false;
        if (!mpi.Initialized)
        {
            int provided = mpi.Init();
            here = true;
            if (provided < MpiLibrary.ThreadMultiple)
                Console.Error.WriteLine($"warning: MPI provides thread level {provided}, not MPI_THREAD_MULTIPLE; " +
                                        "a timed-out collective may not abort cleanly");
        }
        return new MpiProcessGroup(mpi, here, timeout);
    }

    /// <summary>The collective timeout from <paramref name="text"/> (seconds; null or empty: 600).</summary>
    public static TimeSpan ParseTimeout(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return TimeSpan.FromSeconds(600);
        if (!double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var s)
            || !(s > 0) || s > 1e6)
            throw new ArborException($"{TimeoutVariable}={text}: expected a number of seconds > 0");
        return TimeSpan.FromSeconds(s);
    }

    public void AllReduceSum(Tensor tensor) => AllReduce(tensor, _mpi.OpSum, "all-reduce (sum)");
    public void AllReduceMax(Tensor tensor) => AllReduce(tensor, _mpi.OpMax, "all-reduce (max)");

    void AllReduce(Tensor tensor, nint op, string what)
    {
        if (Size == 1 || tensor.numel() == 0) return;
        WithCpuBuffer(tensor, writeBack: true, buffer =>
        {
            var (type, itemSize) = TypeOf(buffer);
            nint start = Address(buffer);
            long n = buffer.numel();
            using var guard = Guard(what);
            // MPI counts are ints: reduce in chunks below 2^31 elements.
            for (long done = 0; done < n; done += int.MaxValue)
                _mpi.AllReduceInPlace(start + (nint)(done * itemSize), (int)Math.Min(int.MaxValue, n - done), type, op);
        });
    }

    public Tensor AllGather(Tensor tensor)
    {
        using var source = tensor.detach().cpu().contiguous();
        var (type, _) = TypeOf(source);
        var shape = new long[] { Size }.Concat(source.shape).ToArray();
        var result = empty(shape, source.dtype);
        if (source.numel() > int.MaxValue) throw new ArgumentException("all-gather of more than 2^31 elements per rank", nameof(tensor));
        using (Guard("all-gather"))
            _mpi.AllGather(Address(source), (int)source.numel(), type, Address(result));
        return tensor.device_type == DeviceType.CPU ? result : result.to(tensor.device);
    }

    public void Broadcast(Tensor tensor, int root = 0)
    {
        if (root < 0 || root >= Size) throw new ArgumentOutOfRangeException(nameof(root));
        if (Size == 1 || tensor.numel() == 0) return;
        WithCpuBuffer(tensor, writeBack: true, buffer =>
        {
            var (type, itemSize) = TypeOf(buffer);
            nint start = Address(buffer);
            long n = buffer.numel();
            using var guard = Guard("broadcast");
            for (long done = 0; done < n; done += int.MaxValue)
                _mpi.Broadcast(start + (nint)(done * itemSize), (int)Math.Min(int.MaxValue, n - done), type, root);
        });
    }

    public void Barrier()
    {
        using var guard = Guard("barrier");
        _mpi.Barrier();
    }

    public void Abort(int exitCode)
    {
        Console.Error.Flush();
        _mpi.Abort(exitCode);
        Environment.Exit(exitCode);   // MPI_Abort does not return; this is for an implementation that would
    }

    /// <summary>Runs <paramref name="body"/> on a contiguous CPU tensor with <paramref name="tensor"/>'s values, and copies the
    /// result back when that had to be a copy.</summary>
    static void WithCpuBuffer(Tensor tensor, bool writeBack, Action<Tensor> body)
    {
        if (tensor.device_type == DeviceType.CPU && tensor.is_contiguous())
        {
            using (no_grad()) body(tensor);
            return;
        }
        using var copy = tensor.detach().cpu().contiguous();
        body(copy);
        if (writeBack) using (no_grad()) tensor.copy_(copy);
    }

    /// <summary>Start of a contiguous CPU tensor's data: Tensor.bytes spans the tensor's own native memory, which the
    /// garbage collector never moves, so the address stays valid after the fixed block.</summary>
    static nint Address(Tensor t)
    {
        fixed (byte* p = t.bytes) return (nint)p;
    }

    (nint Type, int ItemSize) TypeOf(Tensor t) => t.dtype switch
    {
        ScalarType.Float32 => (_mpi.Float, 4),
        ScalarType.Float64 => (_mpi.Double, 8),
        ScalarType.Int64 => (_mpi.Int64, 8),
        _ => throw new ArgumentException($"MPI collectives here take float32, float64 or int64 tensors, not {t.dtype}"),
    };

    /// <summary>Arms the watchdog for one collective; disposing it disarms it.</summary>
    IDisposable Guard(string what) => new Watchdog(this, what);

    sealed class Watchdog : IDisposable
    {
        readonly Timer _timer;
        public Watchdog(MpiProcessGroup group, string what) =>
            _timer = new Timer(_ =>
            {
                Console.Error.WriteLine($"error: rank {group.Rank} of {group.Size}: MPI {what} did not complete within " +
                                        $"{group.Timeout.TotalSeconds:0} s — another rank has died, failed or is stuck; aborting the job " +
                                        $"({TimeoutVariable} sets the limit in seconds)");
                group.Abort(ExitCodeOnTimeout);
            }, null, group.Timeout, System.Threading.Timeout.InfiniteTimeSpan);
        public void Dispose() => _timer.Dispose();
    }

    /// <summary>Exit code of a job aborted by the watchdog (EX_UNAVAILABLE of sysexits.h).</summary>
    public const int ExitCodeOnTimeout = 69;

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_initializedHere && !_mpi.Finalized) _mpi.FinalizeMpi();
    }
}
