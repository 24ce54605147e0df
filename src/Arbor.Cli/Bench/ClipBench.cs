using System.CommandLine;
using System.Diagnostics;
using Arbor.Models.Clip;
using Arbor.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Bench;

/// <summary>
/// `arbor-bench clip`: CLIP tower throughput under inference mode — image tower at batch 8 (images/s), text tower at
/// batch 64 × context (texts/s). A random model with ViT-B/16's shapes unless --clip points at a checkpoint folder.
/// </summary>
internal static class ClipBench
{
    /// <summary>ViT-B/16: vision 768 wide, 12 layers, 12 heads, 224 px, patch 16; text 512 wide, 12 layers, 8 heads.</summary>
    public static ClipConfig VitB16 => new()
    {
        ProjectionDim = 512,
        Text = new ClipTextConfig
        {
            VocabSize = 49408, HiddenSize = 512, IntermediateSize = 2048, NumHiddenLayers = 12, NumAttentionHeads = 8,
            MaxPositionEmbeddings = 77,
        },
        Vision = new ClipVisionConfig
        {
            HiddenSize = 768, IntermediateSize = 3072, NumHiddenLayers = 12, NumAttentionHeads = 12, ImageSize = 224, PatchSize = 16,
        },
    };

    public static Command Build()
    {
        var clip = new Option<string?>("--clip") { Description = "Hugging Face CLIP folder (default: random ViT-B/16 shapes)" };
        var threads = new Option<int>("--threads") { Description = "torch threads", DefaultValueFactory = _ => 2 };
        var imageBatch = new Option<int>("--image-batch") { DefaultValueFactory = _ => 8 };
        var textBatch = new Option<int>("--text-batch") { DefaultValueFactory = _ => 64 };
        var iterations = new Option<int>("--iterations") { Description = "timed batches per tower", DefaultValueFactory = _ => 4 };
        var ops = new Option<bool>("--ops") { Description = "also time each op of one block of each tower, back to back" };
        var precision = Cli.Commands.PrecisionOption.Create();
        var command = new Command("clip", "CLIP image- and text-tower throughput (inference mode)")
        {
            clip, threads, imageBatch, textBatch, iterations, ops, precision,
        };
        command.SetAction(result => Run(result.GetValue(clip), result.GetValue(threads), result.GetValue(imageBatch),
            result.GetValue(textBatch), result.GetValue(iterations), result.GetValue(ops), ComputePrecision.Resolve(Cli.Commands.PrecisionOption.Get(result, precision))));
        return command;
    }

    static int Run(string? dir, int threads, int imageBatch, int textBatch, int iterations, bool ops, PrecisionChoice precision)
    {
        torch.set_num_threads(threads);
        iterations = Math.Max(1, iterations);
        Console.WriteLine(precision);
        if (ops) ClipOpsBench.Run(VitB16, imageBatch, textBatch, precision.FrozenType);
        torch.manual_seed(0);
        using var model = (dir is null ? new ClipModel(VitB16) : ClipModel.Load(dir)).CastFrozen(precision.FrozenType);
        model.eval();
        var c = model.Config;
        Console.WriteLine($"model: {(dir ?? "random ViT-B/16 shapes")}; threads {torch.get_num_threads()} (inter-op {torch.get_num_interop_threads()}); load average {LoadAverage()}");
        // The ceiling: this precision's GEMM rate at each tower's own MLP shape, measured in this process.
        double imageGemm = MatmulBench.Rate(imageBatch * (c.Vision.NumPatches + 1), c.Vision.HiddenSize, c.Vision.IntermediateSize, precision.FrozenType, 0.5);
        double textGemm = MatmulBench.Rate(textBatch * c.Text.MaxPositionEmbeddings, c.Text.HiddenSize, c.Text.IntermediateSize, precision.FrozenType, 0.5);
        using var mode = torch.inference_mode();
        using var pixels = torch.randn(imageBatch, c.Vision.NumChannels, c.Vision.ImageSize, c.Vision.ImageSize);
        using var ids = torch.randint(0, c.Text.VocabSize - 1, [textBatch, c.Text.MaxPositionEmbeddings], dtype: ScalarType.Int64);
        ids[.., ^1] = torch.tensor((long)c.Text.EosTokenId);

        // Towers alternate batch by batch so a load from other processes weighs on both alike.
        var imageTimes = new List<(double Wall, double Cpu, long Faults)>();
        var textTimes = new List<(double Wall, double Cpu, long Faults)>();
        model.EncodeImage(pixels).Dispose();
        model.EncodeText(ids).Dispose();
        for (int i = 0; i < iterations; i++)
        {
            imageTimes.Add(Measure(() => model.EncodeImage(pixels).Dispose()));
            textTimes.Add(Measure(() => model.EncodeText(ids).Dispose()));
        }
        var (imageWall, imageCpu, imageFaults) = Median(imageTimes);
        var (textWall, textCpu, textFaults) = Median(textTimes);
        Console.WriteLine($"image tower: batch {imageBatch}: {imageBatch / imageWall:F2} images/s " +
            $"({1000 * imageWall:F0} ms wall, {1000 * imageCpu:F0} ms CPU, {imageFaults} page faults per batch; median of {iterations})");
        Console.WriteLine($"text tower:  batch {textBatch} × {c.Text.MaxPositionEmbeddings} tokens: {textBatch / textWall:F1} texts/s " +
            $"({1000 * textWall:F0} ms wall, {1000 * textCpu:F0} ms CPU, {textFaults} page faults per batch; median of {iterations})");
        double imageFlops = TowerFlops.Image(c.Vision, imageBatch, c.ProjectionDim);
        double textFlops = TowerFlops.Text(c.Text, textBatch, c.Text.MaxPositionEmbeddings, c.ProjectionDim);
        Console.WriteLine($"image tower: {imageFlops / 1e9:F1} GFLOP per batch → {imageFlops / imageWall / 1e9:F1} GFLOP/s " +
            $"({imageFlops / imageWall / 1e9 / imageGemm:P0} of the {imageGemm:F0} GFLOP/s {precision.Name} GEMM rate at its fc1 shape)");
        Console.WriteLine($"text tower:  {textFlops / 1e9:F1} GFLOP per batch → {textFlops / textWall / 1e9:F1} GFLOP/s " +
            $"({textFlops / textWall / 1e9 / textGemm:P0} of the {textGemm:F0} GFLOP/s {precision.Name} GEMM rate at its fc1 shape)");
        Console.WriteLine($"text/image time per batch: {textWall / imageWall:F2} wall, {textCpu / imageCpu:F2} CPU; FLOP ratio {textFlops / imageFlops:F2}; " +
            $"time per FLOP, text/image: {textWall / textFlops / (imageWall / imageFlops):F2} wall, {textCpu / textFlops / (imageCpu / imageFlops):F2} CPU");
        BenchFigures.Record("precision", precision.Name);
        BenchFigures.Record("threads", torch.get_num_threads());
        BenchFigures.Record("image_batch", imageBatch);
        BenchFigures.Record("image_images_per_s", imageBatch / imageWall);
        BenchFigures.Record("image_ms_per_batch", 1000 * imageWall);
        BenchFigures.Record("image_gflops", imageFlops / imageWall / 1e9);
        BenchFigures.Record("image_gemm_ceiling_gflops", imageGemm);
        BenchFigures.Record("text_batch", textBatch);
        BenchFigures.Record("text_texts_per_s", textBatch / textWall);
        BenchFigures.Record("text_ms_per_batch", 1000 * textWall);
        BenchFigures.Record("text_gflops", textFlops / textWall / 1e9);
        BenchFigures.Record("text_gemm_ceiling_gflops", textGemm);
        BenchFigures.Record("text_over_image_time_per_flop", textWall / textFlops / (imageWall / imageFlops));
        Console.WriteLine($"load average after: {LoadAverage()}");
        return 0;
    }

    /// <summary>
    /// Wall and process CPU seconds of one call, and the minor page faults it caused — a load-independent sign of
    /// fresh memory being touched (glibc maps blocks above 32 MB anew on every allocation).
    /// </summary>
    static (double Wall, double Cpu, long Faults) Measure(Action step)
    {
        using var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        long faults = MinorFaults();
        var watch = Stopwatch.StartNew();
        step();
        double wall = watch.Elapsed.TotalSeconds;
        process.Refresh();
        return (wall, (process.TotalProcessorTime - cpu).TotalSeconds, MinorFaults() - faults);
    }

    /// <summary>Minor page faults of this process so far (field 10 of /proc/self/stat; 0 elsewhere).</summary>
    internal static long MinorFaults()
    {
        if (!File.Exists("/proc/self/stat")) return 0;
        var stat = File.ReadAllText("/proc/self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[7]); // fields after "(comm)" start at field 3, so minflt (field 10) is index 7
    }

    /// <summary>The run with the median wall time.</summary>
    static (double Wall, double Cpu, long Faults) Median(List<(double Wall, double Cpu, long Faults)> times) =>
        times.OrderBy(t => t.Wall).ElementAt(times.Count / 2);

    static string LoadAverage() => Load.Average();
}
