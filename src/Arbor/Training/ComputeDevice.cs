using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Training;

/// <summary>
/// Where a model's tensors live. Data is loaded on the CPU and moved to the model's device batch by batch; every tensor
/// the methods make (masks, label tables, index tables) is made on the device of the tensors it meets, so one choice —
/// the model's — places the whole computation. Independent of precision (dtype), which a model's parts choose themselves.
/// </summary>
public static class ComputeDevice
{
    /// <summary>
    /// Parses <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c> (case-insensitive) and checks the device is usable here: CUDA needs a
    /// CUDA build of TorchSharp (docs/library.md, "GPU") and an N below the number of GPUs.
    /// </summary>
    public static Device Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim().ToLowerInvariant();
        if (t == "cpu") return CPU;
        if (t == "cuda" || t.StartsWith("cuda:", StringComparison.Ordinal))
        {
            int index = 0;
            if (t.Length > 4 && (!int.TryParse(t[5..], out index) || index < 0))
                throw new ArborException($"--device: '{text}' is not a device; use cpu, cuda or cuda:N");
            if (!cuda.is_available())
                throw new ArborException($"--device {text}: no CUDA device available; this build uses TorchSharp-cpu (a GPU needs " +
                                         "the TorchSharp-cuda-linux or TorchSharp-cuda-windows package, see docs/library.md)");
            int count = cuda.device_count();
            if (index >= count)
                throw new ArborException($"--device {text}: there {(count == 1 ? "is 1 CUDA device" : $"are {count} CUDA devices")} (cuda:0 … cuda:{count - 1})");
            return new Device(DeviceType.CUDA, index);
        }
        throw new ArborException($"--device: '{text}' is not a device; use cpu, cuda or cuda:N");
    }

    /// <summary>True when tensors on <paramref name="a"/> and <paramref name="b"/> live in the same place.</summary>
    public static bool Same(Device a, Device b) =>
        a.type == b.type && (a.type != DeviceType.CUDA || Math.Max(a.index, 0) == Math.Max(b.index, 0));

    /// <summary>The device of a module's first parameter or buffer; the CPU for a module without tensors.</summary>
    public static Device Of(nn.Module module)
    {
        foreach (var p in module.parameters()) return p.device;
        foreach (var b in module.buffers()) return b.device;
        return CPU;
    }
}
