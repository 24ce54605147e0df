using System.Text.Json;
using Arbor.Data;
using Arbor.Tests.Data;

namespace Arbor.Tests.Experiments;

/// <summary>
/// "fashion-mnist" without the full set stands in the embedded subset; the run must remember which of the two it trained
/// and was tested on, so a later `arbor eval` reads those images and never silently the other set.
/// </summary>
public class EmbeddedStandInTests
{
    static string[] Train(string runFolder, int epochs = 1, params string[] more) => new[]
    {
        "train", "-m", "ce", "-d", "fashion-mnist", "--train-limit", "64", "--epochs", epochs.ToString(), "--batch", "32",
        "--threads", "1", "--json", "--out", runFolder,
    }.Concat(more).ToArray();

    static (int Code, string Out, string Err) Arbor(string fashionMnistFolder, params string[] args) =>
        CliProcess.Run(new Dictionary<string, string?> { [FashionMnist.FolderVariable] = fashionMnistFolder }, TimeSpan.FromMinutes(4), args);

    static JsonElement Json(string text) => JsonDocument.Parse(text[text.IndexOf('{')..]).RootElement;

    static string DatasetOf(string runFolder) =>
        Json(File.ReadAllText(Path.Combine(runFolder, "config.json"))).GetProperty("dataset").GetString()!;

    [Fact]
    public void A_run_records_the_set_it_used_and_is_evaluated_on_that_set_only()
    {
        using var dir = TestPaths.NewTempFolder();
        string absent = dir.File("not-installed"), full = dir.File("full"), embeddedRun = dir.File("embedded-run"), fullRun = dir.File("full-run");
        Directory.CreateDirectory(full);
        DataFixtures.WriteFashionFolder(full, trainCount: 200, testCount: 50, h: 28, w: 28);

        // Without the full set: the embedded subset, named as such in config.json and in the metrics.
        var trained = Arbor(absent, Train(embeddedRun));
        Assert.True(trained.Code == 0, trained.Err);
        Assert.Equal(DatasetCatalog.EmbeddedFashionMnist, DatasetOf(embeddedRun));
        Assert.Equal(DatasetCatalog.EmbeddedFashionMnist, Json(trained.Out).GetProperty("dataset").GetString());
        Assert.Equal(2000, Json(trained.Out).GetProperty("samples").GetInt32());

        // Once a full set is there, evaluating that run still reads the embedded test split (2,000 images, not the 50).
        var later = Arbor(full, "eval", "--run", embeddedRun, "--json");
        Assert.True(later.Code == 0, later.Err);
        Assert.Equal(2000, Json(later.Out).GetProperty("samples").GetInt32());
        Assert.True(File.Exists(Path.Combine(embeddedRun, "eval-fashion-mnist-embedded-test-consistent.json")));

        // Resuming it with the name it was asked for is the same run, not "different options".
        var resumed = Arbor(full, Train(embeddedRun, epochs: 2, "--resume"));
        Assert.True(resumed.Code == 0, resumed.Err);
        Assert.Equal(2000, Json(resumed.Out).GetProperty("samples").GetInt32());

        // With the full set: "fashion-mnist" means it, so where it is gone evaluation stops instead of falling back.
        var onFull = Arbor(full, Train(fullRun));
        Assert.True(onFull.Code == 0, onFull.Err);
        Assert.Equal("fashion-mnist", DatasetOf(fullRun));
        Assert.Equal(50, Json(onFull.Out).GetProperty("samples").GetInt32());
        var before = Directory.GetFiles(fullRun).Order().ToArray();
        var gone = Arbor(absent, "eval", "--run", fullRun, "--json");
        Assert.Equal(2, gone.Code);
        Assert.Contains(absent, gone.Err);
        Assert.Contains("not found", gone.Err);
        Assert.Equal(before, Directory.GetFiles(fullRun).Order().ToArray());   // no eval file half-written

        // Asking for the embedded subset by name stays possible, and the result file says which set it was.
        var named = Arbor(absent, "eval", "--run", fullRun, "-d", "fashion-mnist", "--json");
        Assert.True(named.Code == 0, named.Err);
        Assert.Equal(DatasetCatalog.EmbeddedFashionMnist, Json(named.Out).GetProperty("dataset").GetString());
        Assert.Equal(2000, Json(named.Out).GetProperty("samples").GetInt32());
    }
}
