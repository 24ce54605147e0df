using System.IO.Compression;
using Arbor.IO;
using Arbor.Models.Clip;
using static TorchSharp.torch;

namespace Arbor.Tests.Clip;

/// <summary>Older Hugging Face folders ship <c>pytorch_model.bin</c> only: read without executing pickle code.</summary>
public sealed class PyTorchBinLoadingTests : IDisposable
{
    readonly TempFolder _tmp = TestPaths.NewTempFolder();

    public void Dispose() => _tmp.Dispose();

    string BinFolder(Action<string>? tamper = null)
    {
        var dir = _tmp.File("bin-only");
        Directory.CreateDirectory(dir);
        foreach (var f in new[] { "config.json", "pytorch_model.bin" })
            File.Copy(TestPaths.Fixture("clip-tiny-bin", f), Path.Combine(dir, f), overwrite: true);
        tamper?.Invoke(Path.Combine(dir, "pytorch_model.bin"));
        return dir;
    }

    [Fact]
    public void ABinOnlyFolderLoadsTheSameWeightsAsItsSafetensorsTwin()
    {
        using var fromBin = ClipModel.Load(BinFolder());
        using var fromSafetensors = ClipModel.Load(TestPaths.Fixture("clip-tiny"));
        var expected = fromSafetensors.state_dict();
        foreach (var (name, tensor) in fromBin.state_dict())
        {
            Assert.Equal(ScalarType.Float32, tensor.dtype);
            // The fixture stores float16: the weights are clip-tiny's rounded to half precision.
            using var rounded = expected[name].to(ScalarType.Float16).to(ScalarType.Float32);
            Assert.True(tensor.allclose(rounded, 0, 0), name);
        }
    }

    [Fact]
    public void ACorruptBinIsAnErrorNamingTheFile()
    {
        // The zip's central directory (its last bytes) overwritten: same size, unreadable archive.
        var dir = BinFolder(path =>
        {
            var bytes = File.ReadAllBytes(path);
            Array.Fill(bytes, (byte)0x5A, bytes.Length - 200, 200);
            File.WriteAllBytes(path, bytes);
        });
        var e = Assert.Throws<ArborException>(() => ClipModel.Load(dir));
        Assert.Contains("pytorch_model.bin", e.Message);
    }

    [Fact]
    public void PickleCodeIsNeverExecuted()
    {
        // pickle.dumps({'w': X}) where X.__reduce__ = (os.system, ('touch /tmp/arbor-pickle-ran',)), in a torch-style zip.
        var marker = "/tmp/arbor-pickle-ran";
        File.Delete(marker);
        var pickle = Convert.FromHexString(
            "80027d7100580100000077710163706f7369780a73797374656d0a7102581b000000746f756368202f746d702f6172626f722d7069636b6c652d72616e7103857104527105732e");
        var path = _tmp.File("evil.bin");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        using (var entry = zip.CreateEntry("archive/data.pkl", CompressionLevel.NoCompression).Open())
            entry.Write(pickle);
        var e = Assert.Throws<ArborException>(() => PyTorchStateDict.Read(path));
        Assert.Contains("evil.bin", e.Message);
        Assert.False(File.Exists(marker));
    }
}
