using System.CommandLine;
using Arbor.Training;

namespace Arbor.Cli.Commands;

/// <summary>
/// `arbor train`'s options for HGCLIP and its prompt baselines, and the schedule (any method). Unset options take the
/// recipe's value (`--recipe`); an option that does not apply to the method is refused (see HgclipRecipe).
/// </summary>
internal sealed class HgclipCliOptions
{
    readonly Option<string?> textInit = new("--text-init")
    {
        Description = "hgclip, coop, ivlp, kgcoop, cocoop, maple, promptsrc: words whose first nCtx tokens initialise the text context; later words stay in every " +
                      "prompt, frozen (reference: \"a photo of an aircraft\" on FGVC-Aircraft); \"\" = random (default \"a photo of a\")",
    };
    readonly Option<string?> normalization = new("--head-normalization") { Description = "hgclip, coop, vpt, ivlp head: reference (the code; default, chosen by measurement) | cosine (the paper's formula)" };
    readonly Option<string?> edgeMultiplicity = new("--edge-multiplicity") { Description = "hgclip label graph: one | per-leaf (the reference on Aircraft, Caltech-101, Fruits-360)" };
    readonly Option<string?> schedule = new("--schedule") { Description = "Learning rate: cosine (per step, warm-up; default for the image methods) | plateau (×0.1 after 5 epochs without a better validation score; default for hgclip and the prompt methods)" };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { textInit, normalization, edgeMultiplicity, schedule }) command.Options.Add(option);
    }

    /// <summary>The config with the options given on the command line (unset ones stay null for the recipe to fill).</summary>
    public RunConfig Apply(ParseResult result, RunConfig config) => config with
    {
        TextInit = result.GetValue(textInit),
        HeadNormalization = result.GetValue(normalization),
        EdgeMultiplicity = result.GetValue(edgeMultiplicity),
        Schedule = result.GetValue(schedule),
    };
}
