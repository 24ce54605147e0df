namespace Arbor.IO;

/// <summary>
/// Upper bounds on what Arbor's readers accept, checked before anything is allocated from a size a file claims.
/// Each is far above any real file of its kind; docs/input-policies.md lists them.
/// </summary>
public static class InputLimits
{
    /// <summary>Hierarchy files (.json, .txt, .csv): 64 MiB.</summary>
    public const long HierarchyFileBytes = 64L << 20;

    /// <summary>Levels of a hierarchy (real taxonomies have under 10).</summary>
    public const int HierarchyLevels = 32;

    /// <summary>Characters in one class or level name.</summary>
    public const int NameLength = 1024;

    /// <summary>Manifest CSV files: 1 GiB.</summary>
    public const long ManifestFileBytes = 1L << 30;

    /// <summary>JSON configuration files (CLIP config.json, preprocessor_config.json, run config.json): 16 MiB.</summary>
    public const long ConfigFileBytes = 16L << 20;

    /// <summary>Tokenizer files (vocab.json, merges.txt): 256 MiB.</summary>
    public const long TokenizerFileBytes = 256L << 20;

    /// <summary>Decompressed bytes of one IDX array: the largest .NET array (about 2 GiB).</summary>
    public static long IdxArrayBytes => Array.MaxLength;
}
