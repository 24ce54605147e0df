using System.Text.Json;
using Arbor.Hierarchy;
using Arbor.Methods.Prompting;
using Arbor.Models.Clip;

namespace Arbor.Tests.HgclipTraining;

/// <summary>
/// The clip-tiny fixture checkpoint (random weights, 32 px, vocabulary of 300, 16 positions) made into a complete
/// Hugging Face CLIP folder: its config.json and model.safetensors copied, plus a small vocab.json / merges.txt written
/// here. The vocabulary holds every character of the prompts and whole-word merges of their words, so a class name is
/// one or a few tokens and "X X X X {name}." fits the 16 positions; BOS and EOS get the ids the config names (298, 299).
/// </summary>
internal static class ClipTinyFolder
{
    public static string Fixture => TestPaths.Fixture("clip-tiny");

    /// <summary>Creates the folder at <paramref name="dir"/> for prompts over <paramref name="hierarchy"/>'s names.</summary>
    public static string Create(string dir, ClassHierarchy hierarchy)
    {
        Directory.CreateDirectory(dir);
        foreach (var f in new[] { "config.json", "model.safetensors" })
            File.Copy(Path.Combine(Fixture, f), Path.Combine(dir, f), overwrite: true);
        var texts = ClassPrompts.PlaceholderTexts(hierarchy, 4).Concat(ClassPrompts.TemplateTexts(hierarchy)).Append("a photo of a");
        var words = texts.SelectMany(t => System.Text.RegularExpressions.Regex.Matches(ClipTokenizer.Clean(t), @"[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+")
            .Select(m => m.Value)).Distinct().OrderBy(w => w, StringComparer.Ordinal).ToList();

        var vocab = new Dictionary<string, int>();
        void Add(string token) { if (!vocab.ContainsKey(token)) vocab[token] = vocab.Count; }
        foreach (var c in words.SelectMany(w => w).Distinct().OrderBy(c => c))
        {
            Add(c.ToString());
            Add(c + "</w>");
        }
        var merges = new List<string>();
        foreach (var w in words.Where(w => w.Length > 1))
            for (int i = 1; i < w.Length; i++)
            {
                string left = w[..i], right = w[i] + (i == w.Length - 1 ? "</w>" : "");
                if (merges.Contains($"{left} {right}")) continue;
                merges.Add($"{left} {right}");
                Add(left + right);
            }
        if (vocab.Count > 298) throw new InvalidOperationException($"test vocabulary of {vocab.Count} tokens exceeds clip-tiny's 298");
        vocab[ClipTokenizer.StartOfText] = 298;
        vocab[ClipTokenizer.EndOfText] = 299;
        File.WriteAllText(Path.Combine(dir, "vocab.json"), JsonSerializer.Serialize(vocab));
        File.WriteAllLines(Path.Combine(dir, "merges.txt"), merges.Prepend("#version: 0.2"));
        return dir;
    }
}
