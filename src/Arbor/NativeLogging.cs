using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace Arbor;

/// <summary>
/// Keeps libtorch's NNPACK start-up failure off the user's terminal. On CPUs NNPACK does not support (this project's VM
/// among them) libtorch logs "Could not initialize NNPACK! Reason: Unsupported hardware." on standard error every time a
/// convolution asks whether NNPACK is usable — 21 lines for one `arbor predict`. libtorch's logging ignores
/// TORCH_CPP_LOG_LEVEL unless the Python frontend initialises it, and TorchSharp does not expose the switch, so this calls
/// <c>at::globalContext().setUserEnabledNNPACK(false)</c> through libtorch_cpu's exported C++ symbols (Itanium ABI, Linux);
/// convolutions then never consult NNPACK (oneDNN and the native kernels serve them, as on any CPU without it).
/// </summary>
public static class NativeLogging
{
    delegate IntPtr GlobalContext();
    delegate void SetFlag(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);
    static int _applied;

    /// <summary>Turns NNPACK off once per process (loads libtorch first); returns false where the symbols are not found.</summary>
    public static bool SilenceNnpack()
    {
        if (!OperatingSystem.IsLinux() || Interlocked.Exchange(ref _applied, 1) == 1) return false;
        _ = get_num_threads();   // makes TorchSharp load libtorch
        if (!NativeLibrary.TryLoad("libtorch_cpu.so", typeof(NativeLogging).Assembly, null, out var lib)) return false;
        if (!NativeLibrary.TryGetExport(lib, "_ZN2at13globalContextEv", out var globalContext) ||
            !NativeLibrary.TryGetExport(lib, "_ZN2at7Context20setUserEnabledNNPACKEb", out var setNnpack))
            return false;
        var context = Marshal.GetDelegateForFunctionPointer<GlobalContext>(globalContext)();
        Marshal.GetDelegateForFunctionPointer<SetFlag>(setNnpack)(context, false);
        return true;
    }
}
