using System.CommandLine;
using System.Diagnostics;
using System.IO.Compression;
using Arbor.Models.Clip;

namespace Arbor.Bench;

/// <summary>
/// `arbor-bench tokenizer`: CLIP tokenizer throughput on one thread — short prompts ("a photo of a {class}.", the zero-shot
/// and HGCLIP workload) and, with --corpus, the reference corpus of hard texts (mojibake, entities, non-BMP, long texts).
/// The BPE cache is on (as in use): round 1 starts cold, later rounds hit the cache.
/// </summary>
internal static class TokenizerBench
{
    public static Command Build()
    {
        var clip = new Option<string?>("--clip") { Description = "CLIP folder with vocab.json/merges.txt (default: the test fixture's real vocabulary)" };
        var prompts = new Option<int>("--prompts") { Description = "Distinct prompts per round", DefaultValueFactory = _ => 20_000 };
        var rounds = new Option<int>("--rounds") { DefaultValueFactory = _ => 5 };
        var corpus = new Option<string?>("--corpus") { Description = "corpus.jsonl.gz of texts to time as well (tests/fixtures/clip-tokenizer)" };
        var command = new Command("tokenizer", "CLIP tokenizer throughput (prompts/s, one thread).") { clip, prompts, rounds, corpus };
        command.SetAction(r =>
        {
            var tokenizer = r.GetValue(clip) is { } dir ? ClipTokenizer.Load(dir) : FixtureTokenizer();
            var words = ClassNames();
            var rng = new Random(1);
            string[] templates = ["a photo of a {0}.", "a blurry photo of the {0}.", "a photo of many {0}.", "itap of a {0}.", "a {0} in a video game."];
            var texts = Enumerable.Range(0, r.GetValue(prompts))
                .Select(i => string.Format(templates[i % templates.Length], words[rng.Next(words.Length)] + (i % 7 == 0 ? "" : " " + words[rng.Next(words.Length)])))
                .ToArray();
            Time("short prompts", texts, tokenizer, r.GetValue(rounds));
            if (r.GetValue(corpus) is { } path)
            {
                using var reader = new StreamReader(new GZipStream(File.OpenRead(path), CompressionMode.Decompress));
                var lines = new List<string>();
                while (reader.ReadLine() is { } line)
                {
                    using var doc = System.Text.Json.JsonDocument.Parse(line);
                    if (doc.RootElement.TryGetProperty("text", out var t)) lines.Add(t.GetString()!);
                }
                Time("reference corpus", lines.ToArray(), tokenizer, r.GetValue(rounds));
            }
            return 0;
        });
        return command;
    }

    static void Time(string what, string[] texts, ClipTokenizer tokenizer, int rounds)
    {
        Console.WriteLine($"{what}: {texts.Length} texts, e.g. \"{texts[0]}\"");
        long sink = 0;
        for (int round = 1; round <= rounds; round++)
        {
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            foreach (var t in texts) sink += tokenizer.Tokenize(t)[1];
            watch.Stop();
            double cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
            BenchFigures.Row("rounds", new() { ["corpus"] = what, ["round"] = round, ["texts"] = texts.Length,
                ["texts_per_s"] = Math.Round(texts.Length / watch.Elapsed.TotalSeconds), ["texts_per_cpu_s"] = Math.Round(texts.Length / cpuSeconds) });
            Console.WriteLine($"  round {round}: {texts.Length / watch.Elapsed.TotalSeconds:F0} texts/s wall, {texts.Length / cpuSeconds:F0} per CPU-second" +
                              (round == 1 ? " (cold cache)" : ""));
        }
        GC.KeepAlive(sink);
    }

    static ClipTokenizer FixtureTokenizer()
    {
        var fixtures = Path.Combine(FindRepoRoot(), "tests", "fixtures", "clip-tokenizer");
        var dir = Directory.CreateTempSubdirectory("arbor-bench-vocab-").FullName;
        try
        {
            foreach (var name in new[] { "vocab.json", "merges.txt" })
            {
                using var source = new GZipStream(File.OpenRead(Path.Combine(fixtures, name + ".gz")), CompressionMode.Decompress);
                using var target = File.Create(Path.Combine(dir, name));
                source.CopyTo(target);
            }
            return ClipTokenizer.Load(dir);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    static string[] ClassNames() =>
        ("apple aquarium fish baby bear beaver bed bee beetle bicycle bottle bowl boy bridge bus butterfly camel can castle caterpillar " +
         "cattle chair chimpanzee clock cloud cockroach couch crab crocodile cup dinosaur dolphin elephant flatfish forest fox girl " +
         "hamster house kangaroo keyboard lamp lawn mower leopard lion lizard lobster man maple tree motorcycle mountain mouse " +
         "mushroom oak orange orchid otter palm pear pickup truck pine plain plate poppy porcupine possum rabbit raccoon ray road " +
         "rocket rose sea seal shark shrew skunk skyscraper snail snake spider squirrel streetcar sunflower sweet pepper table tank " +
         "telephone television tiger tractor train trout tulip turtle wardrobe whale willow wolf woman worm").Split(' ');

    static string FindRepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Arbor.slnx"))) return d.FullName;
        throw new ArborException("run the benchmark from inside the repository (or pass --clip)");
    }
}
