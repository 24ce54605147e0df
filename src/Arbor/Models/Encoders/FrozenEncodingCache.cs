using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Arbor.IO;
using static TorchSharp.torch;

namespace Arbor.Models.Encoders;

/// <summary>
/// Encodings of a frozen image tower, kept on disk per image: the key is the SHA-256 of the image's pixels with
/// the tower's name and input size, so an evaluation or feature extraction that sees the same images
/// again (the next seed's run with another validation carve, the next <c>--parts</c> row) reads the result instead of
/// recomputing it. A frozen tower's output depends on nothing else. File: "AEC1", batch, width, tokens (i32 each), then
/// the float32 features and tokens, then the SHA-256 of that payload; a file that fails its checksum is recomputed.
/// </summary>
public sealed class FrozenEncodingCache(string folder, string towerIdentity)
{
    /// <summary>Where encodings live: <c>$ARBOR_DATA/tower-features</c> (default ~/.cache/arbor/tower-features).</summary>
    public static string DefaultFolder => Path.Combine(Data.DatasetOptions.DataHome, "tower-features");

    public string Folder { get; } = folder;

    /// <summary>
    /// The encoding of <paramref name="images"/> (tokens only when <paramref name="withTokens"/>), image by image from the
    /// cache; the images not in it are encoded together by <paramref name="encodeWithTokens"/> (features and tokens: one
    /// forward pass gives both, so every later use finds what it needs) and stored. Per-image keys make any batch, split or seed reuse what was computed.
    /// </summary>
    public ImageEncoding GetOrCompute(Tensor images, bool withTokens, Func<Tensor, ImageEncoding> encodeWithTokens)
    {
        using var scope = NewDisposeScope();
        using var cpu = images.to_type(ScalarType.Float32).cpu().contiguous();
        int b = (int)images.shape[0];
        var paths = Enumerable.Range(0, b).Select(i => Path.Combine(Folder, Key(cpu[i]) + ".bin")).ToArray();
        var found = paths.Select(p => TryRead(p, withTokens)).ToArray();
        var missing = Enumerable.Range(0, b).Where(i => found[i] is null).ToArray();
        if (missing.Length > 0)
        {
            using var index = tensor(missing.Select(i => (long)i).ToArray(), device: images.device);
            var fresh = encodeWithTokens(images.index_select(0, index));
            if (fresh.Tokens is null) throw new InvalidOperationException("the cache stores tokens: encode with tokens");
            for (int k = 0; k < missing.Length; k++)
            {
                var one = new ImageEncoding(fresh.Features[k..(k + 1)], fresh.Tokens?[k..(k + 1)]);
                found[missing[k]] = one;
                try { Write(paths[missing[k]], one); }
                catch (IOException) { }              // a full or read-only disk costs speed, not correctness
                catch (UnauthorizedAccessException) { }
            }
        }
        var features = cat(found.Select(e => e!.Features.to(images.device)).ToArray(), 0).MoveToOuterDisposeScope();
        var tokens = withTokens ? cat(found.Select(e => e!.Tokens!.to(images.device)).ToArray(), 0).MoveToOuterDisposeScope() : null;
        return new ImageEncoding(features, tokens);
    }

    string Key(Tensor image)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(System.Text.Encoding.UTF8.GetBytes($"{towerIdentity}\n{string.Join("x", image.shape)}\n"));
        sha.AppendData(MemoryMarshal.AsBytes(image.data<float>().ToArray().AsSpan()));
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    static ImageEncoding? TryRead(string path, bool withTokens)
    {
        if (!File.Exists(path)) return null;
        try
        {
            var bytes = File.ReadAllBytes(path);
            if (bytes.Length < 16 + 32 || !bytes.AsSpan(0, 4).SequenceEqual("AEC1"u8)) return null;
            int b = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4)), w = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8)),
                t = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(12));
            long floats = (long)b * w * (1 + t);
            if (b <= 0 || w <= 0 || t <= 0 || 16 + floats * 4 + 32 != bytes.Length) return null;
            var payload = bytes.AsSpan(16, (int)(floats * 4));
            if (!SHA256.HashData(payload).AsSpan().SequenceEqual(bytes.AsSpan(bytes.Length - 32))) return null;
            var values = MemoryMarshal.Cast<byte, float>(payload);
            var features = tensor(values[..(b * w)].ToArray(), b, w);
            var tokens = withTokens ? tensor(values[(b * w)..].ToArray(), b, t, w) : null;
            return new ImageEncoding(features, tokens);
        }
        catch (IOException) { return null; }
    }

    static void Write(string path, ImageEncoding e)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var f = e.Features.to_type(ScalarType.Float32).cpu().contiguous();
        using var t = e.Tokens?.to_type(ScalarType.Float32).cpu().contiguous();
        int b = (int)f.shape[0], w = (int)f.shape[1], n = t is null ? 0 : (int)t.shape[1];
        var payload = new byte[(long)b * w * (1 + n) * 4];
        MemoryMarshal.AsBytes(f.data<float>().ToArray().AsSpan()).CopyTo(payload);
        if (t is not null) MemoryMarshal.AsBytes(t.data<float>().ToArray().AsSpan()).CopyTo(payload.AsSpan(b * w * 4));
        var header = new byte[16];
        "AEC1"u8.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(4), b);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8), w);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(12), n);
        AtomicFile.Write(path, s =>
        {
            s.Write(header);
            s.Write(payload);
            s.Write(SHA256.HashData(payload));
        });
    }
}
