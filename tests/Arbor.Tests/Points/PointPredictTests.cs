using System.Globalization;
using System.Text;
using System.Text.Json;
using Arbor.Data;
using Arbor.Tests.Data;
using Arbor.Data.Points;
using Arbor.Evaluation;
using Arbor.Experiments;
using Arbor.Hierarchy;
using Arbor.Training;
using SkiaSharp;
using TorchSharp;

namespace Arbor.Tests.Points;

/// <summary>One tiny PointNet run on the shape set (64 points per cloud), shared by the prediction tests.</summary>
public sealed class TinyPointRun : IDisposable
{
    readonly TempFolder _tmp = TestPaths.NewTempFolder();

    public TinyPointRun()
    {
        Folder = _tmp.File("run");
        TrainRun.Run(new RunConfig
        {
            Method = "ce", Dataset = "shapes", Points = 64, Epochs = 1, BatchSize = 32, TrainLimit = 128, Seed = 1, Threads = 2,
        }, Folder, new TrainRun.Options());
    }

    public string Folder { get; }

    public void Dispose() => _tmp.Dispose();
}

/// <summary>`arbor predict` and `eval` on a point-cloud run: single cloud files in every supported format, and bad input.</summary>
public class PointPredictTests : IClassFixture<TinyPointRun>
{
    const int Points = 64;
    readonly TinyPointRun _run;

    public PointPredictTests(TinyPointRun run) => _run = run;

    /// <summary>Cloud 0 of the shape set's test split, centred and scaled into the unit sphere (as the file reader leaves it).</summary>
    static float[] NormalisedTestCloud()
    {
        var splits = ShapeSet.Open(new DatasetOptions { Points = Points });
        using var cloud = ((PointCloudDataset)splits.Test.Resolve(0).Source).GetPoints(splits.Test.Resolve(0).Index);
        var xyz = cloud.data<float>().ToArray();
        PointArrays.NormalizeToUnitSphere(xyz);
        return xyz;
    }

    static void WriteRows(string path, float[] xyz, string separator, bool normals)
    {
        var text = new StringBuilder();
        for (int p = 0; p < xyz.Length / 3; p++)
        {
            var values = xyz.AsSpan(3 * p, 3).ToArray().Concat(normals ? new[] { 0f, 1f, 0f } : Array.Empty<float>());
            text.Append(string.Join(separator, values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))).Append('\n');
        }
        File.WriteAllText(path, text.ToString());
    }

    [Fact]
    public void ACloudFileIsPredictedAsTheModelScoresTheSameCloudInMemory()
    {
        using var tmp = TestPaths.NewTempFolder();
        var xyz = NormalisedTestCloud();
        WriteRows(tmp.File("a.txt"), xyz, ",", normals: true);       // ModelNet's resampled-text rows
        WriteRows(tmp.File("a.xyz"), xyz, " ", normals: false);      // the usual blank-separated .xyz

        using var trained = TrainedRun.Open(_run.Folder);
        var predictions = trained.Predict(new[] { tmp.File("a.txt"), tmp.File("a.xyz") }, Decoding.Independent);

        // Reference: the model's own softmax on the same cloud as a tensor.
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var logits = trained.Model.LevelLogits(torch.tensor(xyz, new long[] { 1, Points, 3 }));
        var hierarchy = trained.Hierarchy;
        foreach (var p in predictions)
            for (int l = 0; l < hierarchy.Depth; l++)
            {
                var probs = torch.nn.functional.softmax(logits[l], 1);
                int id = (int)probs.argmax(1).item<long>();
                Assert.Equal(hierarchy.Node(l + 1, id).Name, p.Levels[l].Label);
                Assert.Equal(probs[0, id].item<float>(), p.Levels[l].Probability, 5);
            }
    }

    [Fact]
    public void AnOffMeshIsSampledTurnedYUpAndNormalisedAsTheMeshReaderDoes()
    {
        using var tmp = TestPaths.NewTempFolder();
        // A 2 × 1 × 0.5 box stored z-up: y-up it is 2 wide (x), 0.5 high (y), 1 deep (z).
        ModelNetFiles.WriteBoxOff(tmp.File("box.off"), 2, 1, 0.5, countsOnHeaderLine: true);
        var cloud = PointCloudFile.Read(tmp.File("box.off"), 500);
        float Extent(int axis) => Enumerable.Range(0, 500).Max(p => cloud[3 * p + axis]) - Enumerable.Range(0, 500).Min(p => cloud[3 * p + axis]);
        Assert.Equal(4.0, Extent(0) / Extent(1), 1);
        Assert.Equal(2.0, Extent(0) / Extent(2), 1);
        double radius = Enumerable.Range(0, 500).Max(p => Math.Sqrt(cloud[3 * p] * cloud[3 * p] + cloud[3 * p + 1] * cloud[3 * p + 1] + cloud[3 * p + 2] * cloud[3 * p + 2]));
        Assert.Equal(1.0, radius, 5);
        Assert.Equal(0.0, Enumerable.Range(0, 500).Average(p => cloud[3 * p + 1]), 5);       // centred
        Assert.Equal(cloud, PointCloudFile.Read(tmp.File("box.off"), 500));                     // the same file, the same cloud

        var (code, output, err) = CliHarness.Run("predict", "--run", _run.Folder, tmp.File("box.off"), "--json");
        Assert.True(code == 0, err);
        using var json = JsonDocument.Parse(output);
        var levels = json.RootElement[0].GetProperty("levels").EnumerateArray().ToArray();
        Assert.Equal(3, levels.Length);
        var hierarchy = BuiltInHierarchies.Shapes();
        int leaf = hierarchy.LeafId(levels[2].GetProperty("label").GetString()!);
        Assert.Equal(hierarchy.Node(1, hierarchy.AncestorAt(leaf, 1)).Name, levels[0].GetProperty("label").GetString());
    }

    [Fact]
    public void BadCloudFilesAreRefusedWithTheFileAndTheProblem()
    {
        using var tmp = TestPaths.NewTempFolder();
        File.WriteAllText(tmp.File("empty.xyz"), "");
        File.WriteAllText(tmp.File("blank.txt"), "\n \n");
        var rows = string.Concat(Enumerable.Range(0, Points).Select(p => $"{p * 0.1},{p * 0.2},0.5\n"));
        File.WriteAllText(tmp.File("nan.txt"), "0,0,0\n1,1,1\nnan,0,0\n" + rows);
        File.WriteAllText(tmp.File("inf.xyz"), "0 0 0\n1 1 Infinity\n" + rows.Replace(',', ' '));
        File.WriteAllText(tmp.File("four.txt"), "0,0,0,1\n" + rows);
        File.WriteAllText(tmp.File("short.txt"), string.Concat(Enumerable.Range(0, 10).Select(p => $"{p},0,0\n")));
        File.WriteAllText(tmp.File("cloud.ply"), "ply\nformat ascii 1.0\n");
        File.WriteAllText(tmp.File("mesh.off"), "OFF\n3 1 0\n0 0 0\n1 0 NaN\n0 1 0\n3 0 1 2\n");
        DataFixtures.WritePng(tmp.File("picture.png"), 28, 28, SKColors.Black, SKColors.White);
        var cases = new (string File, string Problem)[]
        {
            ("empty.xyz", "empty file: no points"),
            ("blank.txt", "no x,y,z rows"),
            ("nan.txt", "nan.txt:3: 'nan' is not a finite number"),
            ("inf.xyz", "inf.xyz:2: 'Infinity' is not a finite number"),
            ("four.txt", "four.txt:1: 4 values; expected x,y,z or x,y,z,nx,ny,nz"),
            ("short.txt", "10 points, fewer than the 64"),
            ("cloud.ply", "'.ply' is not a point-cloud format"),
            ("mesh.off", "vertex 1: 'NaN' is not a finite number"),
            ("picture.png", "an image, but this run's model (pointnet) takes point clouds"),
            ("missing.xyz", "point-cloud file not found"),
        };
        foreach (var (file, problem) in cases)
        {
            var (code, output, err) = CliHarness.Run("predict", "--run", _run.Folder, tmp.File(file));
            Assert.True(code == 2, $"{file}: exit {code}, {err}");
            Assert.Contains(problem, err);
            Assert.Contains(file, err);
            Assert.Equal("", output);
        }

        // --skip-bad-images reports the bad files and predicts the good one.
        WriteRows(tmp.File("good.xyz"), NormalisedTestCloud(), " ", normals: false);
        var skip = CliHarness.Run("predict", "--run", _run.Folder, tmp.File("nan.txt"), tmp.File("good.xyz"), tmp.File("picture.png"),
            "--skip-bad-images");
        Assert.True(skip.Code == 0, skip.Err);
        Assert.Contains("skipped:", skip.Err);
        Assert.Contains("nan.txt", skip.Err);
        Assert.Contains("picture.png", skip.Err);
        Assert.Single(skip.Out.Trim().Split('\n'));
        Assert.StartsWith(tmp.File("good.xyz") + ":", skip.Out);

        var size = CliHarness.Run("predict", "--run", _run.Folder, tmp.File("good.xyz"), "--image-size", "32");
        Assert.Equal(2, size.Code);
        Assert.Contains("apply to images", size.Err);
    }

    [Fact]
    public void EvalOnAPointRunReportsEveryLevelAndRefusesImages()
    {
        var (code, output, err) = CliHarness.Run("eval", "--run", _run.Folder, "--json");
        Assert.True(code == 0, err);
        using (var json = JsonDocument.Parse(output))
        {
            Assert.Equal(480, json.RootElement.GetProperty("samples").GetInt32());
            Assert.Equal(new[] { 2, 4, 12 }, json.RootElement.GetProperty("levels").EnumerateArray().Select(l => l.GetProperty("classes").GetInt32()));
        }
        var images = CliHarness.Run("eval", "--run", _run.Folder, "-d", "fashion-mnist-embedded");
        Assert.Equal(2, images.Code);
        Assert.Contains("holds images, but this run's model (pointnet) takes point clouds", images.Err);
    }

    [Fact]
    public void AnImageRunRefusesACloudFile()
    {
        using var tmp = TestPaths.NewTempFolder();
        TrainRun.Run(new RunConfig
        {
            Method = "ce", Dataset = "fashion-mnist-embedded", Epochs = 1, BatchSize = 32, TrainLimit = 64, Seed = 1, Threads = 2,
        }, tmp.File("images"), new TrainRun.Options());
        ModelNetFiles.WriteBoxOff(tmp.File("box.off"), 1, 1, 1);
        var (code, _, err) = CliHarness.Run("predict", "--run", tmp.File("images"), tmp.File("box.off"));
        Assert.Equal(2, code);
        Assert.Contains("box.off", err);
        Assert.Contains("a point-cloud file, but this run's model (resnet20) takes images", err);
        var eval = CliHarness.Run("eval", "--run", tmp.File("images"), "-d", "shapes");
        Assert.Equal(2, eval.Code);
        Assert.Contains("holds point clouds, but this run's model (resnet20) takes images", eval.Err);
    }
}
