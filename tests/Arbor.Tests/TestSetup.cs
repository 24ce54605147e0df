using System.Runtime.CompilerServices;

namespace Arbor.Tests;

internal static class TestSetup
{
    /// <summary>The same allocator tuning the CLI applies at start-up (see <see cref="NativeMemoryTuning"/>).</summary>
    [ModuleInitializer]
    internal static void Initialize() => NativeMemoryTuning.Apply();
}
