using Arbor.Hierarchy;
using Arbor.Models.Clip;
using static TorchSharp.torch;

namespace Arbor.Methods.Prompting;

/// <summary>
/// Token ids of one prompt per class of every level, in the hierarchy's global node order, tokenised once. Learnable
/// prompts use <c>"X X X X {name}."</c>: nCtx one-token placeholders right after BOS whose embeddings the learned
/// context replaces, so the EOS position (where CLIP pools) is that of the plain text. Frozen features use a template
/// such as <c>"a photo of a {name}."</c>. Underscores in names become spaces. Columns after the longest prompt's EOS are
/// dropped: causal attention and EOS pooling never look past EOS, so this changes no feature and saves most of the
/// text tower's work (CLIP pads to 77 positions; class prompts need ~10).
/// </summary>
public static class ClassPrompts
{
    /// <summary>The placeholder word; one token in CLIP's vocabulary.</summary>
    public const string Placeholder = "X";

    /// <summary>A class name as it goes into a prompt.</summary>
    public static string Readable(string name) => name.Replace('_', ' ');

    /// <summary>The prompt texts with nCtx placeholders, one per node in global order.</summary>
    public static IReadOnlyList<string> PlaceholderTexts(ClassHierarchy hierarchy, int contextTokens) =>
        hierarchy.Nodes.Select(n => string.Join(" ", Enumerable.Repeat(Placeholder, contextTokens)) + " " + Readable(n.Name) + ".").ToArray();

    /// <summary>The prompt texts from a template holding <c>{name}</c>, one per node in global order.</summary>
    public static IReadOnlyList<string> TemplateTexts(ClassHierarchy hierarchy, string template = "a photo of a {name}.") =>
        hierarchy.Nodes.Select(n => template.Replace("{name}", Readable(n.Name))).ToArray();

    /// <summary>
    /// Token ids [N, L'] of the placeholder prompts, L' = the longest prompt's length. Fails when the tokenizer does not
    /// turn each placeholder into exactly one token (the learned context would not line up).
    /// </summary>
    public static Tensor PlaceholderTokens(ClipTokenizer tokenizer, ClassHierarchy hierarchy, int contextTokens)
    {
        var placeholder = tokenizer.Encode(string.Join(" ", Enumerable.Repeat(Placeholder, contextTokens)));
        if (placeholder.Length != contextTokens)
            throw new ArborException($"the tokenizer turns {contextTokens} placeholder words '{Placeholder}' into {placeholder.Length} tokens; " +
                                     "prompt learning needs one token per placeholder");
        return Tokens(tokenizer, PlaceholderTexts(hierarchy, contextTokens));
    }

    /// <summary>
    /// The token ids of a text-context init, or null for a random context (empty init). An init with fewer tokens than
    /// the context is an error: the reference code would then let the context overwrite the class name's own tokens.
    /// </summary>
    public static int[]? InitWords(ClipTokenizer tokenizer, PromptOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.TextInit)) return null;
        var words = tokenizer.Encode(options.TextInit);
        if (words.Length < options.ContextTokens)
            throw new ArborException($"text init \"{options.TextInit}\" is {words.Length} token(s), fewer than the {options.ContextTokens} " +
                                     "context tokens; give at least that many words, or an empty init for a random context");
        return words;
    }

    /// <summary>
    /// Token ids [N, L'] of the prompts whose first nCtx positions after BOS the learned context replaces: the init text
    /// and the class name (<c>"a photo of an aircraft {name}."</c>: "a photo of an" learned, "aircraft" frozen), or
    /// placeholders for a random context (<see cref="PlaceholderTokens"/>).
    /// </summary>
    public static Tensor ContextTokens(ClipTokenizer tokenizer, ClassHierarchy hierarchy, PromptOptions options)
    {
        var words = InitWords(tokenizer, options);
        if (words is null) return PlaceholderTokens(tokenizer, hierarchy, options.ContextTokens);
        var tokens = Tokens(tokenizer, TemplateTexts(hierarchy, options.TextInit.Trim() + " {name}."));
        // BPE splits on words, so the init's tokens open every prompt; check it, since the context must line up.
        using var expected = tensor(words.Take(options.ContextTokens).Select(w => (long)w).ToArray());
        using var opening = tokens.narrow(1, 1, options.ContextTokens);
        if (!opening.eq(expected.unsqueeze(0)).all().item<bool>())
            throw new ArborException($"the tokenizer does not open every class prompt with the tokens of \"{options.TextInit}\"");
        return tokens;
    }

    /// <summary>Token ids [T, L'] of <paramref name="texts"/>, trimmed after the longest text's EOS.</summary>
    public static Tensor Tokens(ClipTokenizer tokenizer, IReadOnlyList<string> texts)
    {
        var rows = texts.Select(tokenizer.Tokenize).ToArray();
        int length = rows.Max(r => Array.IndexOf(r, (long)tokenizer.EndOfTextId) + 1);
        if (length <= 0) length = tokenizer.ContextLength;
        var flat = new long[rows.Length * length];
        for (int i = 0; i < rows.Length; i++) Array.Copy(rows[i], 0, flat, i * length, length);
        return tensor(flat, [rows.Length, length]);
    }
}
