// MSBuild inline task (RoslynCodeTaskFactory): marks one GLIBCXX version requirement of an ELF64 shared library weak,
// in place, when the host's libstdc++ does not provide that version. See TorchSharpNative.targets for why.
using System;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public class WeakenGlibcxxRequirement : Task
{
    [Required] public ITaskItem[] Libraries { get; set; } = Array.Empty<ITaskItem>();
    [Required] public string Version { get; set; } = "";
    /// <summary>Weaken even when the host's libstdc++ has the version (packages unpacked elsewhere, e.g. a .NET tool).</summary>
    public bool Always { get; set; }

    const uint ShtGnuVerneed = 0x6ffffffe;
    const ushort VerFlgWeak = 2;

    public override bool Execute()
    {
        string host = FindHostLibstdcxx();
        if (!Always && host.Length > 0 && ContainsVersion(host, Version))
        {
            Log.LogMessage(MessageImportance.Low, $"{host} provides {Version}; TorchSharp's wrapper is used as shipped.");
            return true;
        }
        foreach (var item in Libraries)
        {
            var path = item.GetMetadata("FullPath");
            try
            {
                var bytes = File.ReadAllBytes(path);
                int changed = Weaken(bytes, Version);
                if (changed < 0) { Log.LogMessage(MessageImportance.Normal, $"{path}: {Version} already weak."); continue; }
                if (changed == 0) { Log.LogMessage(MessageImportance.Normal, $"{path}: no {Version} requirement."); continue; }
                // Write a new file and rename it over the old one, so a hard link into the NuGet cache is never modified.
                var tmp = path + ".arbor-tmp";
                File.WriteAllBytes(tmp, bytes);
                File.Delete(path);
                File.Move(tmp, path);
                Log.LogMessage(MessageImportance.High,
                    Always ? $"Arbor: marked {Version} weak in {path} (always, for a package unpacked on other hosts)."
                           : $"Arbor: marked {Version} weak in {path} (host libstdc++ {(host.Length > 0 ? host : "not found")} lacks it).");
            }
            catch (Exception e)
            {
                Log.LogError($"Arbor: could not patch {path}: {e.Message}");
            }
        }
        return !Log.HasLoggedErrors;
    }

    static string FindHostLibstdcxx()
    {
        string[] dirs = { "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib", "/lib",
                          "/usr/lib/aarch64-linux-gnu", "/lib/aarch64-linux-gnu" };
        return dirs.Select(d => Path.Combine(d, "libstdc++.so.6")).FirstOrDefault(File.Exists) ?? "";
    }

    static bool ContainsVersion(string file, string version)
    {
        var needle = Encoding.ASCII.GetBytes(version + "\0");
        var hay = File.ReadAllBytes(file);
        for (int i = 0; i + needle.Length <= hay.Length; i++)
        {
            if (hay[i] != needle[0]) continue;
            int k = 1;
            while (k < needle.Length && hay[i + k] == needle[k]) k++;
            if (k == needle.Length) return true;
        }
        return false;
    }

    /// <summary>Returns the number of entries newly marked weak, or -1 when every matching entry already was.</summary>
    static int Weaken(byte[] b, string version)
    {
        if (b.Length < 64 || b[0] != 0x7f || b[1] != (byte)'E' || b[2] != (byte)'L' || b[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (b[4] != 2 || b[5] != 1) throw new InvalidDataException("not a little-endian ELF64 file");
        ulong shoff = BitConverter.ToUInt64(b, 0x28);
        int shentsize = BitConverter.ToUInt16(b, 0x3A), shnum = BitConverter.ToUInt16(b, 0x3C);
        if (shoff == 0 || shentsize < 64 || shoff + (ulong)(shentsize * shnum) > (ulong)b.Length)
            throw new InvalidDataException("section header table out of range");
        int newly = 0, already = 0;
        for (int s = 0; s < shnum; s++)
        {
            int sh = checked((int)shoff + s * shentsize);
            if (BitConverter.ToUInt32(b, sh + 4) != ShtGnuVerneed) continue;
            int off = checked((int)BitConverter.ToUInt64(b, sh + 0x18));
            int link = (int)BitConverter.ToUInt32(b, sh + 0x28);
            int count = (int)BitConverter.ToUInt32(b, sh + 0x2C);
            int strSh = checked((int)shoff + link * shentsize);
            int strOff = checked((int)BitConverter.ToUInt64(b, strSh + 0x18));
            int vn = off;
            for (int i = 0; i < count; i++)
            {
                int cnt = BitConverter.ToUInt16(b, vn + 2);
                int aux = vn + (int)BitConverter.ToUInt32(b, vn + 8);
                for (int j = 0; j < cnt; j++)
                {
                    int nameOff = strOff + (int)BitConverter.ToUInt32(b, aux + 8);
                    int end = Array.IndexOf(b, (byte)0, nameOff);
                    if (Encoding.ASCII.GetString(b, nameOff, end - nameOff) == version)
                    {
                        ushort flags = BitConverter.ToUInt16(b, aux + 4);
                        if ((flags & VerFlgWeak) != 0) already++;
                        else { BitConverter.GetBytes((ushort)(flags | VerFlgWeak)).CopyTo(b, aux + 4); newly++; }
                    }
                    uint nextAux = BitConverter.ToUInt32(b, aux + 12);
                    if (nextAux == 0) break;
                    aux += (int)nextAux;
                }
                uint next = BitConverter.ToUInt32(b, vn + 12);
                if (next == 0) break;
                vn += (int)next;
            }
        }
        return newly > 0 ? newly : (already > 0 ? -1 : 0);
    }
}
