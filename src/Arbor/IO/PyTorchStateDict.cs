using System.Collections;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Arbor.IO;

/// <summary>
/// Reads a state dict saved with <c>torch.save(model.state_dict(), path)</c> — the <c>pytorch_model.bin</c> of older
/// Hugging Face folders — through TorchSharp.PyBridge's unpickler. That reader executes no pickle code: it rebuilds only
/// tensors (<c>torch._utils._rebuild_tensor_v2</c>) and ordered dicts, and any other global becomes an inert placeholder,
/// which this class then refuses. Only the zip format (PyTorch ≥ 1.6) is read. Floating tensors come back as float32.
/// </summary>
internal static class PyTorchStateDict
{
    /// <summary>The tensors of the file by name; a file that is not such a state dict is an <see cref="ArborException"/> naming it.</summary>
    public static SafeTensorsContent Read(string path)
    {
        if (!File.Exists(path)) throw new ArborException("file not found", path);
        Hashtable table;
        try
        {
            using var stream = File.OpenRead(path);
            table = PyTorchUnpickler.UnpickleStateDict(stream);
        }
        catch (Exception e) when (e is not ArborException and not OutOfMemoryException)
        {
            throw new ArborException($"not a readable PyTorch state dict ({e.GetType().Name}: {e.Message}); " +
                                     "only torch.save(state_dict) files in the zip format are read", path, e);
        }
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var stored = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            foreach (DictionaryEntry entry in table)
            {
                if (entry.Key is not string name || entry.Value is not Tensor tensor)
                    throw new ArborException($"holds a {entry.Value?.GetType().Name ?? "null"} under '{entry.Key}'; a state dict maps names to tensors", path);
                stored[name] = tensor.dtype.ToString();
                tensors[name] = tensor.is_floating_point() && tensor.dtype != ScalarType.Float32
                    ? Converted(tensor) : tensor.contiguous();
            }
        }
        catch
        {
            foreach (var t in tensors.Values) t.Dispose();
            foreach (var v in table.Values) (v as IDisposable)?.Dispose();
            throw;
        }
        return new SafeTensorsContent(tensors, stored, new Dictionary<string, string>());

        static Tensor Converted(Tensor t)
        {
            var f = t.to(ScalarType.Float32);
            t.Dispose();
            return f;
        }
    }
}
