using Arbor.Methods.Hgclip;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Tests.Hgclip;

public class PrototypeCacheTests
{
    static readonly string HierarchyId = PrototypeCache.HierarchyIdentity(HgclipTestData.Small());

    [Fact]
    public void SecondCallHitsAndReturnsTheSameValues()
    {
        using var folder = TestPaths.NewTempFolder();
        var cache = new PrototypeCache(folder.Path);
        var key = PrototypeCache.Key("clip-tiny@123", "fashion-mnist/train/200", HierarchyId);
        int computed = 0;
        var values = torch.randn(5, 3);
        var first = cache.GetOrCompute(key, () => { computed++; return values; }, out bool hit1);
        var second = cache.GetOrCompute(key, () => { computed++; return values; }, out bool hit2);
        Assert.False(hit1);
        Assert.True(hit2);
        Assert.Equal(1, computed);
        Assert.True(torch.allclose(values, second, 0, 0));
        Assert.True(File.Exists(cache.PathFor(key)));
        Assert.Empty(Directory.GetFiles(folder.Path, "*.tmp"));
    }

    [Fact]
    public void AnyChangedIdentityIsAMiss()
    {
        using var folder = TestPaths.NewTempFolder();
        var cache = new PrototypeCache(folder.Path);
        var key = PrototypeCache.Key("ckpt", "data", HierarchyId);
        cache.Save(key, torch.ones(5, 3));
        var other = PrototypeCache.Key("ckpt", "data", PrototypeCache.HierarchyIdentity(Arbor.Hierarchy.BuiltInHierarchies.FashionMnist()));
        Assert.NotEqual(key, other);
        Assert.NotEqual(key, PrototypeCache.Key("ckpt2", "data", HierarchyId));
        Assert.NotEqual(key, PrototypeCache.Key("ckpt", "data2", HierarchyId));
        // Length prefixes: moving characters between components changes the key.
        Assert.NotEqual(PrototypeCache.Key("ab", "c", "d"), PrototypeCache.Key("a", "bc", "d"));

        Assert.NotNull(cache.TryLoad(key));
        Assert.Null(cache.TryLoad(PrototypeCache.Key("ckpt", "data2", HierarchyId)));
        int computed = 0;
        cache.GetOrCompute(PrototypeCache.Key("ckpt2", "data", HierarchyId), () => { computed++; return torch.zeros(5, 3); }, out bool hit);
        Assert.False(hit);
        Assert.Equal(1, computed);
        Assert.Null(cache.TryLoad(key, expectedShape: new long[] { 6, 3 }));   // shape no longer fits the hierarchy
    }

    [Theory]
    [InlineData("flip")]
    [InlineData("truncate")]
    [InlineData("garbage")]
    [InlineData("empty")]
    [InlineData("other-key")]
    public void DamagedFileIsRecomputedAndRewritten(string damage)
    {
        using var folder = TestPaths.NewTempFolder();
        var cache = new PrototypeCache(folder.Path);
        var key = PrototypeCache.Key("ckpt", "data", HierarchyId);
        var values = torch.arange(15, dtype: ScalarType.Float32).reshape(5, 3);
        cache.Save(key, values);
        var path = cache.PathFor(key);
        var bytes = File.ReadAllBytes(path);
        switch (damage)
        {
            case "flip": bytes[bytes.Length - 40] ^= 0x55; File.WriteAllBytes(path, bytes); break;
            case "truncate": File.WriteAllBytes(path, bytes[..^7]); break;
            case "garbage": File.WriteAllText(path, "not a prototype file"); break;
            case "empty": File.WriteAllBytes(path, Array.Empty<byte>()); break;
            case "other-key":
                var otherKey = PrototypeCache.Key("x", "y", "z");
                System.Text.Encoding.ASCII.GetBytes(otherKey).CopyTo(bytes, 12);
                File.WriteAllBytes(path, bytes);
                break;
        }
        Assert.Null(cache.TryLoad(key));
        int computed = 0;
        var result = cache.GetOrCompute(key, () => { computed++; return values; }, out bool hit);
        Assert.False(hit);
        Assert.Equal(1, computed);
        Assert.True(torch.allclose(values, result, 0, 0));
        Assert.True(torch.allclose(values, cache.TryLoad(key)!, 0, 0));   // rewritten
    }
}
