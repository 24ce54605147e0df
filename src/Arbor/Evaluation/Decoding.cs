namespace Arbor.Evaluation;

/// <summary>How per-level logits become per-level predicted labels.</summary>
public enum Decoding
{
    /// <summary>Argmax at every level on its own; the labels may contradict the tree.</summary>
    Independent,

    /// <summary>The best whole root-to-leaf path (<see cref="ConsistentDecoder"/>); the labels always form a valid path.</summary>
    Consistent,
}

/// <summary>The names used for <see cref="Decoding"/> in metrics.json and on the command line.</summary>
public static class DecodingNames
{
    /// <summary>"independent" or "consistent".</summary>
    public static string ToName(this Decoding decoding) => decoding switch
    {
        Decoding.Independent => "independent",
        Decoding.Consistent => "consistent",
        _ => throw new ArgumentOutOfRangeException(nameof(decoding)),
    };

    /// <summary>Parses "independent" or "consistent" (case-insensitive); anything else is an <see cref="ArborException"/>.</summary>
    public static Decoding Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "independent" => Decoding.Independent,
        "consistent" => Decoding.Consistent,
        _ => throw new ArborException($"unknown decoding '{name}' (expected 'independent' or 'consistent')"),
    };
}
