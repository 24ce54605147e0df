using Arbor.Experiments.VisionLanguage;
using Arbor.Training;

namespace Arbor.Experiments;

/// <summary>
/// <c>--recipe arbor|reference</c> across method families: the HMLC reference (<see cref="ContrastiveRecipe"/>) and the
/// HGCLIP reference (<see cref="HgclipRecipe"/>). Training defaults are applied before the method's own defaults fill
/// what is left; <see cref="Resolve"/> then fills and checks each family's options.
/// </summary>
public static class RunRecipes
{
    /// <summary>Recipe names.</summary>
    public static IReadOnlyList<string> Names { get; } = new[] { "arbor", "reference" };

    /// <summary>Methods that have a reference recipe.</summary>
    public static IReadOnlyList<string> ReferenceMethods { get; } = ContrastiveRecipe.ReferenceMethods.Concat(HgclipRecipe.Methods).ToArray();

    /// <summary>Validates the recipe name and fills the recipe's training settings into the unset fields.</summary>
    public static RunConfig ApplyTrainingDefaults(RunConfig c)
    {
        var recipe = (c.Recipe ?? "arbor").Trim().ToLowerInvariant();
        if (!Names.Contains(recipe)) throw new ArborException($"--recipe must be one of {string.Join(", ", Names)}, not '{c.Recipe}'");
        if (recipe == "reference" && !ReferenceMethods.Contains(c.Method))
            throw new ArborException($"--recipe reference is defined for {string.Join(", ", ReferenceMethods)}, not {c.Method} " +
                "(G-HMLC / A-HMLC have no public reference code; SupCon's, the cross-entropy baselines' and the linear probe's are other recipes)");
        c = c with { Recipe = recipe };
        return HgclipRecipe.ApplyTrainingDefaults(ContrastiveRecipe.ApplyTrainingDefaults(c));
    }

    /// <summary>Checks and fills every family's options (see <see cref="ContrastiveRecipe.Resolve"/>, <see cref="HgclipRecipe.Resolve"/>).</summary>
    public static RunConfig Resolve(RunConfig c) => HgclipRecipe.Resolve(ContrastiveRecipe.Resolve(c));

    /// <summary>A value from a closed list (case-insensitive); anything else names the option and the valid values.</summary>
    internal static string Choice(string value, IReadOnlyList<string> valid, string option)
    {
        var v = value.Trim().ToLowerInvariant();
        return valid.Contains(v) ? v : throw new ArborException($"{option} must be one of {string.Join(", ", valid)}, not '{value}'");
    }
}
