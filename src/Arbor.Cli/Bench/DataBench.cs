using System.CommandLine;
using System.Diagnostics;
using Arbor.Data;
using TorchSharp;

namespace Arbor.Bench;

/// <summary>
/// `arbor-bench data`: loader throughput. Fashion-MNIST with two-view augmentation at 28 px (pad-crop, flip, brightness and
/// contrast jitter), and emoji PNGs decoded and resized to 224 px. Reports images/s (source images; each yields Views
/// augmented tensors), live tensors and RSS per epoch so memory growth shows.
/// </summary>
internal static class DataBench
{
    public static Command Build()
    {
        var dataset = new Option<string>("--dataset") { Description = "fashion-mnist | emoji | any DatasetCatalog name/path", DefaultValueFactory = _ => "fashion-mnist" };
        var batch = new Option<int>("--batch-size", "--batch") { DefaultValueFactory = _ => 256 };
        var epochs = new Option<int>("--epochs") { DefaultValueFactory = _ => 3 };
        var views = new Option<int>("--views") { DefaultValueFactory = _ => 2 };
        var size = new Option<int?>("--size") { Description = "Output side in pixels (default: 28 for Fashion-MNIST, 224 otherwise)." };
        var augment = new Option<string>("--augment") { Description = "padcrop | contrastive | none", DefaultValueFactory = _ => "padcrop" };
        var threads = new Option<int>("--threads") { Description = "torch intra-op threads (0: default).", DefaultValueFactory = _ => 0 };
        var limit = new Option<int>("--limit") { Description = "Use at most this many training images (0: all).", DefaultValueFactory = _ => 0 };
        var command = new Command("data", "Loader throughput (images/s) and memory over epochs.");
        foreach (var o in new Option[] { dataset, batch, epochs, views, size, augment, threads, limit }) command.Options.Add(o);
        command.SetAction(r =>
        {
            if (r.GetValue(threads) > 0) torch.set_num_threads(r.GetValue(threads));
            var name = r.GetValue(dataset)!;
            var splits = DatasetCatalog.Open(name);
            ImageDataset train = splits.Train;
            if (r.GetValue(limit) is > 0 and var l && l < train.Count) train = train.Subset(Enumerable.Range(0, l).ToArray(), $"{train.Name} first {l}");
            IBatchTransform? transform = r.GetValue(augment) switch
            {
                "padcrop" => BatchAugmentation.PadCropFlip() with { Brightness = 0.2, Contrast = 0.2 },
                "contrastive" => BatchAugmentation.Contrastive(),
                "none" => null,
                var other => throw new ArborException($"unknown augmentation '{other}'"),
            };
            var options = new BatchLoaderOptions
            {
                BatchSize = r.GetValue(batch), Views = r.GetValue(views), Seed = 1, Transform = transform, Prefetch = 4,
                ImageSize = r.GetValue(size) ?? (train.FixedShape is null ? 224 : null),
            };
            var loader = new BatchLoader(train, options);
            Console.WriteLine($"{splits.Description}");
            Console.WriteLine($"{train.Name}: {train.Count} images → [{options.BatchSize}, {loader.OutputShape.Channels}, {loader.OutputShape.Height}, " +
                              $"{loader.OutputShape.Width}] × {options.Views} view(s), augment {r.GetValue(augment)}, torch threads {torch.get_num_threads()}, " +
                              $"{Environment.ProcessorCount} cores");
            for (int epoch = 0; epoch < r.GetValue(epochs); epoch++)
            {
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var watch = Stopwatch.StartNew();
                long images = 0;
                foreach (var b in loader.GetBatches(epoch))
                    using (b) images += b.Count;
                watch.Stop();
                // CPU time shows the cost even when other processes share the cores.
                double cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
                BenchFigures.Row("epochs", new() { ["epoch"] = epoch, ["images"] = images,
                    ["images_per_s"] = Math.Round(images / watch.Elapsed.TotalSeconds, 1), ["images_per_cpu_s"] = Math.Round(images / cpuSeconds, 1),
                    ["rss_mib"] = Process.GetCurrentProcess().WorkingSet64 / (1 << 20) });
                Console.WriteLine($"epoch {epoch}: {images} images in {watch.Elapsed.TotalSeconds:F2} s = {images / watch.Elapsed.TotalSeconds:F0} images/s " +
                                  $"(CPU {cpuSeconds:F2} s = {images / cpuSeconds:F0} images per CPU-second); live tensors {torch.Tensor.TotalCount}, RSS {Process.GetCurrentProcess().WorkingSet64 / (1 << 20)} MiB{LoadAverage()}");
            }
            return 0;
        });
        return command;
    }

    /// <summary>", load average 1 min" on Linux (how busy the shared cores were), else empty.</summary>
    static string LoadAverage()
    {
        try { return File.Exists("/proc/loadavg") ? $", load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}" : ""; }
        catch (IOException) { return ""; }
    }
}
