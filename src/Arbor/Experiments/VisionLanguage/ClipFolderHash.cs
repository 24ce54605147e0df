using System.Security.Cryptography;
using System.Text;

namespace Arbor.Experiments.VisionLanguage;

/// <summary>
/// The identity of a CLIP folder's content, stored in a run's config (<c>clip_hash</c>): SHA-256 over the name and
/// SHA-256 of every file that shapes the model (config.json, the weights, the tokenizer files, preprocessor_config.json).
/// A run whose CLIP folder moved can be given the new place with <c>--clip</c>; the hash proves it is the same model.
/// </summary>
public static class ClipFolderHash
{
    static readonly string[] Files =
    {
        "config.json", "model.safetensors", "pytorch_model.bin", "vocab.json", "merges.txt", "preprocessor_config.json",
    };

    /// <summary>"sha256:…" of the folder's model files (those present).</summary>
    public static string Of(string folder)
    {
        var all = new StringBuilder();
        foreach (var name in Files)
        {
            var path = Path.Combine(folder, name);
            if (!File.Exists(path)) continue;
            using var stream = File.OpenRead(path);
            all.Append(name).Append(' ').Append(Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant()).Append('\n');
        }
        return "sha256:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(all.ToString()))).ToLowerInvariant();
    }

    /// <summary>Fails, naming both, when <paramref name="folder"/> is not the CLIP model the run was trained with.</summary>
    public static void Check(string folder, string? expected)
    {
        if (expected is null) return;
        var actual = Of(folder);
        if (actual != expected)
            throw new ArborException($"this CLIP folder is not the one the run was trained with (content {actual[..19]}…, the run expects {expected[..19]}…)", folder);
    }
}
