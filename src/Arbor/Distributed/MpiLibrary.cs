using System.Runtime.InteropServices;

namespace Arbor.Distributed;

/// <summary>
/// The few MPI calls data-parallel training needs, bound at run time against Open MPI's <c>libmpi.so.40</c>.
/// Open MPI's predefined handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, …) are the addresses of exported globals
/// (<c>ompi_mpi_comm_world</c>, …), so they are looked up with <see cref="NativeLibrary.GetExport"/>; MPI_IN_PLACE is
/// the address 1. The library is opened with RTLD_GLOBAL first: Open MPI's plugins (mca_*.so) resolve their symbols
/// from it and fail to load otherwise.
/// </summary>
internal sealed unsafe class MpiLibrary
{
    /// <summary>Sonames tried in order (Open MPI 4 and 5 both keep ABI 40).</summary>
    static readonly string[] Names = { "libmpi.so.40", "libmpi.so" };
    const int RtldNow = 2, RtldGlobal = 0x100;
    public const int Success = 0;
    public const int ThreadMultiple = 3;
    public static readonly nint InPlace = 1;

    static MpiLibrary? _loaded;
    static readonly object Gate = new();

    readonly delegate* unmanaged<int*, nint, int, int*, int> _initThread;
    readonly delegate* unmanaged<int*, int> _initialized;
    readonly delegate* unmanaged<int*, int> _finalized;
    readonly delegate* unmanaged<int> _finalize;
    readonly delegate* unmanaged<nint, int*, int> _commRank;
    readonly delegate* unmanaged<nint, int*, int> _commSize;
    readonly delegate* unmanaged<nint, nint, int, nint, nint, nint, int> _allreduce;
    readonly delegate* unmanaged<nint, int, nint, nint, int, nint, nint, int> _allgather;
    readonly delegate* unmanaged<nint, int, nint, int, nint, int> _bcast;
    readonly delegate* unmanaged<nint, int> _barrier;
    readonly delegate* unmanaged<nint, int, int> _abort;

    public nint CommWorld { get; }
    public nint Float { get; }
    public nint Double { get; }
    public nint Int64 { get; }
    public nint OpSum { get; }
    public nint OpMax { get; }
    public string Path { get; }

    [DllImport("libc", EntryPoint = "dlopen")]
    static extern nint DlOpen(string file, int mode);

    [DllImport("libc", EntryPoint = "dlerror")]
    static extern nint DlError();

    MpiLibrary(nint handle, string path)
    {
        Path = path;
        nint F(string name) => NativeLibrary.TryGetExport(handle, name, out var p) ? p
            : throw new ArborException($"{path} has no symbol {name}: Open MPI 4.x (libmpi.so.40) is required");
        _initThread = (delegate* unmanaged<int*, nint, int, int*, int>)F("MPI_Init_thread");
        _initialized = (delegate* unmanaged<int*, int>)F("MPI_Initialized");
        _finalized = (delegate* unmanaged<int*, int>)F("MPI_Finalized");
        _finalize = (delegate* unmanaged<int>)F("MPI_Finalize");
        _commRank = (delegate* unmanaged<nint, int*, int>)F("MPI_Comm_rank");
        _commSize = (delegate* unmanaged<nint, int*, int>)F("MPI_Comm_size");
        _allreduce = (delegate* unmanaged<nint, nint, int, nint, nint, nint, int>)F("MPI_Allreduce");
        _allgather = (delegate* unmanaged<nint, int, nint, nint, int, nint, nint, int>)F("MPI_Allgather");
        _bcast = (delegate* unmanaged<nint, int, nint, int, nint, int>)F("MPI_Bcast");
        _barrier = (delegate* unmanaged<nint, int>)F("MPI_Barrier");
        _abort = (delegate* unmanaged<nint, int, int>)F("MPI_Abort");
        CommWorld = F("ompi_mpi_comm_world");
        Float = F("ompi_mpi_float");
        Double = F("ompi_mpi_double");
        Int64 = F("ompi_mpi_int64_t");
        OpSum = F("ompi_mpi_op_sum");
        OpMax = F("ompi_mpi_op_max");
    }

    /// <summary>Opens libmpi once per process; a missing library is an <see cref="ArborException"/> saying what to install.</summary>
    public static MpiLibrary Load()
    {
        lock (Gate)
        {
            if (_loaded is not null) return _loaded;
            var errors = new List<string>();
            foreach (var name in Names)
            {
                var handle = DlOpen(name, RtldNow | RtldGlobal);
                if (handle != 0) return _loaded = new MpiLibrary(handle, name);
                var error = DlError();
                errors.Add(error == 0 ? name : Marshal.PtrToStringUTF8(error)!);
            }
            throw new ArborException("--distributed mpi needs Open MPI's library (libmpi.so.40), which could not be loaded (" +
                                     string.Join("; ", errors) + "). Install it: apt-get install openmpi-bin");
        }
    }

    static void Check(int code, string call)
    {
        if (code != Success) throw new ArborException($"{call} failed with MPI error code {code}");
    }

    public bool Initialized { get { int flag; Check(_initialized(&flag), "MPI_Initialized"); return flag != 0; } }
    public bool Finalized { get { int flag; Check(_finalized(&flag), "MPI_Finalized"); return flag != 0; } }

    /// <summary>MPI_Init_thread with NULL argc/argv, asking for MPI_THREAD_MULTIPLE: the collective watchdog may call
    /// MPI_Abort from its own thread while the main thread waits inside a collective.</summary>
    public int Init()
    {
        int provided;
        Check(_initThread(null, 0, ThreadMultiple, &provided), "MPI_Init_thread");
        return provided;
    }

    public void FinalizeMpi() => Check(_finalize(), "MPI_Finalize");
    public int Rank { get { int r; Check(_commRank(CommWorld, &r), "MPI_Comm_rank"); return r; } }
    public int Size { get { int s; Check(_commSize(CommWorld, &s), "MPI_Comm_size"); return s; } }

    public void AllReduceInPlace(nint buffer, int count, nint type, nint op) =>
        Check(_allreduce(InPlace, buffer, count, type, op, CommWorld), "MPI_Allreduce");

    public void AllGather(nint send, int count, nint type, nint receive) =>
        Check(_allgather(send, count, type, receive, count, type, CommWorld), "MPI_Allgather");

    public void Broadcast(nint buffer, int count, nint type, int root) =>
        Check(_bcast(buffer, count, type, root, CommWorld), "MPI_Bcast");

    public void Barrier() => Check(_barrier(CommWorld), "MPI_Barrier");

    public void Abort(int code) => _abort(CommWorld, code);
}
