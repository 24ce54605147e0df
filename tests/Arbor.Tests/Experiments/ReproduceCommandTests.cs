using System.Text.RegularExpressions;
using Arbor.Cli;
using Arbor.Data;
using Arbor.Data.Benchmarks;
using Arbor.Evaluation;
using Arbor.Experiments.VisionLanguage;
using Arbor.Tests.Data.Benchmarks;
using Arbor.Tests.HgclipTraining;

namespace Arbor.Tests.Experiments;

/// <summary>`arbor reproduce hgclip`: the dry-run plan on miniature benchmark layouts, bad input, the published table.</summary>
[Collection(ProcessWideStateCollection.Name)]   // sets torch's thread count
public sealed class ReproduceCommandTests : IDisposable
{
    readonly TempFolder _tmp = TestPaths.NewTempFolder();

    public void Dispose() => _tmp.Dispose();

    static (int Code, string Out, string Err) Arbor(params string[] args) => CliHarness.Run(args);

    /// <summary>A data root holding one miniature benchmark, and a clip-tiny folder whose vocabulary covers its names.</summary>
    (string Root, string Clip, DatasetSplits Splits) Layout(string name, Func<string, string> write)
    {
        var root = _tmp.File("data");
        write(root);
        var splits = BenchmarkCatalog.Get(name).Open(root, new DatasetOptions { ValidationFraction = 0.1 });
        return (root, ClipTinyFolder.Create(_tmp.File("clip"), splits.Hierarchy), splits);
    }

    [Theory]
    [InlineData("eurosat", "hgclip")]
    [InlineData("eurosat", "coop")]
    [InlineData("cifar-10", "kgcoop")]
    [InlineData("cifar-10", "cocoop")]
    [InlineData("eurosat", "maple")]
    [InlineData("eurosat", "promptsrc")]
    public void TheDryRunPrintsTheDataTheLevelsTheRecipeAndAnEstimateAndWritesNothing(string dataset, string method)
    {
        var (root, clip, splits) = Layout(dataset, dataset == "eurosat" ? BenchmarkLayouts.EuroSat : r => BenchmarkLayouts.Committed(r, "cifar-10-batches-py"));
        var run = _tmp.File("run");
        var (code, stdout, err) = Arbor("reproduce", "hgclip", "--dataset", dataset, "--clip", clip, "--data-root", root,
            "--method", method, "--dry-run", "--threads", "1", "-o", run);
        Assert.True(code == 0, err);
        Assert.Contains($"{method} on {dataset} (dry run", stdout);
        // Counts are the reader's: the plan opens the same data with the same carving.
        Assert.Contains($"images: train {splits.Train.Count:N0}, validation {splits.Validation.Count:N0} (selects the best epoch), " +
                        $"test {splits.Test.Count:N0}", stdout);
        var h = splits.Hierarchy;
        for (int level = 1; level <= h.Depth; level++)
            Assert.Contains($"level {level} {h.LevelNames[level - 1]}: {h.ClassesAt(level)} classes", stdout);
        Assert.Contains($"hierarchy: {h.Depth} levels, {h.Nodes.Count} nodes", stdout);
        // The reference recipe: 50 epochs, batch 64, SGD, plateau schedule, the reference's stretch preprocessing.
        Assert.Contains("recipe: reference — 50 epochs, batch 64, sgd lr 0.0003", stdout);
        Assert.Contains("schedule plateau", stdout);
        Assert.Contains("preprocessing stretch, 32px", stdout);
        var estimate = Regex.Match(stdout, @"timed here: ([\d.]+) ms per training image, ([\d.]+) ms per evaluated image");
        Assert.True(estimate.Success, stdout);
        Assert.True(double.Parse(estimate.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.Matches(@"estimated time: \d+ (s|min|h)", stdout);
        Assert.Contains("published row: not transcribed", stdout);
        // The miniature EuroSAT has 3 of its 10 classes: HGCLIP's prototypes would miss 7, and the plan says so.
        if (dataset == "eurosat" && method == "hgclip") Assert.Contains("warning: 7 class(es) have no training image", stdout);
        else Assert.DoesNotContain("warning:", stdout);
        Assert.False(Directory.Exists(run));
    }

    [Theory]
    [InlineData("imagenet-a", "hgclip", null)]
    [InlineData("imagenet-v2", "coop", null)]
    [InlineData("living-17", "coop", null)]
    [InlineData("sun397", "hgclip", null)]
    // BREEDS tests on subclasses absent from training by design; HGCLIP's prototypes need images of every class.
    [InlineData("living-17", "hgclip", "warning: 4 class(es) have no training image")]
    public void TheDryRunReadsImageNetItsShiftedSetsBreedsAndSun397(string dataset, string method, string? warning)
    {
        var (root, clip, splits) = Layout(dataset, r =>
        {
            if (dataset == "living-17") return BreedsTests.Layout(r);
            if (dataset == "sun397") return BenchmarkLayouts.Sun397(r);
            BenchmarkLayouts.ImageNet(r);
            BenchmarkLayouts.ImageNetShifts(r);
            return r;
        });
        var (code, stdout, err) = Arbor("reproduce", "hgclip", "--dataset", dataset, "--clip", clip, "--data-root", root,
            "--method", method, "--dry-run", "--threads", "1");
        Assert.True(code == 0, err);
        Assert.Contains($"images: train {splits.Train.Count:N0}, validation {splits.Validation.Count:N0} (selects the best epoch), " +
                        $"test {splits.Test.Count:N0}", stdout);
        var h = splits.Hierarchy;
        for (int level = 1; level <= h.Depth; level++)
            Assert.Contains($"level {level} {h.LevelNames[level - 1]}: {h.ClassesAt(level)} classes", stdout);
        Assert.Matches(@"estimated time: \d+ (s|min|h)", stdout);
        if (warning is null) Assert.DoesNotContain("warning:", stdout);
        else Assert.Contains(warning, stdout);
    }

    [Fact]
    public void AMissingDatasetAnUnknownOneAndAMethodOutsideTheTableAreBadInput()
    {
        var (root, clip, _) = Layout("eurosat", BenchmarkLayouts.EuroSat);
        var empty = _tmp.File("empty");
        Directory.CreateDirectory(empty);
        var (code, _, err) = Arbor("reproduce", "hgclip", "-d", "food-101", "--clip", clip, "--data-root", empty, "--dry-run");
        Assert.Equal(2, code);
        Assert.Contains("food-101", err);
        Assert.Contains(empty, err);

        (code, _, err) = Arbor("reproduce", "hgclip", "-d", "imagenet-9000", "--clip", clip, "--data-root", root, "--dry-run");
        Assert.Equal(2, code);
        Assert.Contains("unknown dataset 'imagenet-9000'", err);

        (code, _, err) = Arbor("reproduce", "hgclip", "-d", "eurosat", "--clip", clip, "--data-root", root, "-m", "hmlc", "--dry-run");
        Assert.Equal(2, code);
        Assert.Contains("method 'hmlc' is not in the table", err);
        Assert.Contains("promptsrc", err);
    }

    [Fact]
    public void TheTranscribedRowsAreWholeTables()
    {
        var rows = PublishedResults.All;
        Assert.Equal(new[] { "cifar-100", "ethec", "fgvc-aircraft", "food-101", "stanford-cars" }, rows.Select(r => r.Dataset).Distinct().Order());
        foreach (var dataset in rows.GroupBy(r => r.Dataset))
        {
            // Every method has levels 1..n with the same n: a missing or extra level is a transcription slip.
            var depths = dataset.GroupBy(r => r.Method).Select(m => m.Select(r => r.Level).Order().ToArray()).ToArray();
            Assert.Equal(3, depths.Length);
            Assert.All(depths, levels => Assert.Equal(Enumerable.Range(1, depths[0].Length), levels));
        }
        Assert.Equal(global::Arbor.Hierarchy.BuiltInHierarchies.Cifar100().Depth, PublishedResults.For("cifar-100", "hgclip").Count);
        Assert.Equal(new[] { 91.87, 86.55 }, PublishedResults.For("CIFAR-100", "hgclip").Select(r => r.Top1Percent));
        Assert.Equal(new[] { 31.12, 2.65, 17.94, 1.52 }, PublishedResults.For("ethec", "zeroshot").Select(r => r.Top1Percent));
    }

    [Fact]
    public void ThePublishedTableParsesAndItsRowsArePrintedBesideOurs()
    {
        Assert.All(PublishedResults.All, r => Assert.InRange(r.Top1Percent, 0, 100));
        var table = PublishedResults.Parse("# comment\ndataset\tmethod\tlevel\ttop1\tsource\n" +
                                           "food-101\thgclip\t1\t90.50\tTable 1\nfood-101\thgclip\t2\t80.25\tTable 1\n", "t.tsv");
        Assert.Equal(2, table.Count);
        var ours = new MetricsReport
        {
            Method = "hgclip", Dataset = "food-101", Split = "test", Samples = 10, FullPath = 0.5, Consistency = 1, MistakeSeverity = 1,
            Decoding = "independent",
            Levels = [new LevelMetrics(1, "course", 11, 0.9, 1), new LevelMetrics(2, "dish", 101, 0.8, 0.9)],
        };
        var text = HgclipReproduction.Compare(ours, "food-101", "hgclip", table);
        Assert.Matches(@"1 course\s+90\.00\s+90\.50\s+-0\.50", text);
        Assert.Matches(@"2 dish\s+80\.00\s+80\.25\s+-0\.25", text);
        Assert.Contains("published: Table 1", text);

        Assert.Contains("line 2", Assert.Throws<ArborException>(() => PublishedResults.Parse("dataset\tmethod\tlevel\ttop1\tsource\nx\ty\t0\t5\ts", "t.tsv")).Message);
        Assert.Contains("[0, 100]", Assert.Throws<ArborException>(() => PublishedResults.Parse("dataset\tmethod\tlevel\ttop1\tsource\nx\ty\t1\t150\ts", "t.tsv")).Message);
        Assert.Contains("second row", Assert.Throws<ArborException>(() => PublishedResults.Parse(
            "dataset\tmethod\tlevel\ttop1\tsource\nx\ty\t1\t5\ts\nX\tY\t1\t6\ts", "t.tsv")).Message);
        Assert.Contains("header", Assert.Throws<ArborException>(() => PublishedResults.Parse("x\ty\t1\t5\ts", "t.tsv")).Message);
    }
}
