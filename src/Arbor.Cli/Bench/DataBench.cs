using System.CommandLine;
using System.Diagnostics;
using Arbor.Data;
using TorchSharp;

namespace Arbor.Bench;

/// <summary>
/// `arbor-bench data`: loader throughput. Fashion-MNIST with two-view augmentation at 28 px (pad-crop, flip, brightness and
/// contrast jitter), and emoji PNGs decoded and resized to 224 px. Reports images/s (source images; each yields Views
/// augmented tensors), live tensors and RSS per epoch so memory growth shows. With <c>--distributed mpi</c> (under
/// <c>mpirun -np K</c>) every rank loads its rows of every global batch, as a data-parallel training rank does, and reports
/// its own loading time per step; <c>--whole-batch</c> makes every rank load the whole batch instead (what ranks did before
/// row sharding), for comparison.
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
        var distributed = new Option<string?>("--distributed") { Description = "mpi: under mpirun, each rank loads its rows of every batch." };
        var wholeBatch = new Option<bool>("--whole-batch") { Description = "With --distributed: every rank loads the whole batch (the old way)." };
        var command = new Command("data", "Loader throughput (images/s) and memory over epochs.");
        foreach (var o in new Option[] { dataset, batch, epochs, views, size, augment, threads, limit, distributed, wholeBatch }) command.Options.Add(o);
        command.SetAction(r =>
        {
            if (r.GetValue(distributed) is { } mode && mode != "mpi") throw new ArborException($"--distributed takes 'mpi', not '{mode}'");
            using var group = r.GetValue(distributed) is null ? null : Arbor.Distributed.MpiProcessGroup.Join();
            var rows = group is null || r.GetValue(wholeBatch) ? RowShard.Whole : new RowShard(group.Rank, group.Size);
            string who = group is null ? "" : $"rank {group.Rank}/{group.Size}: ";
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
                DropLast = group is not null,   // as training: every batch splits evenly over the ranks
                ImageSize = r.GetValue(size) ?? (train.FixedShape is null ? 224 : null),
            };
            var loader = new BatchLoader(train, options);
            if (group is null || group.Rank == 0) Console.WriteLine($"{splits.Description}");
            if (group is null || group.Rank == 0) Console.WriteLine($"{train.Name}: {train.Count} images → [{options.BatchSize}, {loader.OutputShape.Channels}, {loader.OutputShape.Height}, " +
                              $"{loader.OutputShape.Width}] × {options.Views} view(s), augment {r.GetValue(augment)}, torch threads {torch.get_num_threads()}, " +
                              $"{Environment.ProcessorCount} cores" +
                              (group is null ? "" : $", {group.Size} ranks each loading {(rows.IsWhole ? "the whole batch" : "its rows of every batch")}"));
            for (int epoch = 0; epoch < r.GetValue(epochs); epoch++)
            {
                group?.Barrier();   // ranks start each epoch together, so they compete for the cores as in training
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var watch = Stopwatch.StartNew();
                long images = 0, steps = 0;
                foreach (var b in loader.GetBatches(epoch, rows))
                    using (b) { images += b.Count; steps++; }
                watch.Stop();
                // CPU time shows the cost even when other processes share the cores.
                double cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
                BenchFigures.Row("epochs", new() { ["rank"] = group?.Rank ?? 0, ["ranks"] = group?.Size ?? 1, ["epoch"] = epoch, ["images"] = images,
                    ["ms_per_step"] = Math.Round(1000 * watch.Elapsed.TotalSeconds / Math.Max(1, steps), 2),
                    ["cpu_ms_per_step"] = Math.Round(1000 * cpuSeconds / Math.Max(1, steps), 2),
                    ["images_per_s"] = Math.Round(images / watch.Elapsed.TotalSeconds, 1), ["images_per_cpu_s"] = Math.Round(images / cpuSeconds, 1),
                    ["rss_mib"] = Process.GetCurrentProcess().WorkingSet64 / (1 << 20) });
                Console.WriteLine($"{who}epoch {epoch}: {images} images in {watch.Elapsed.TotalSeconds:F2} s = {images / watch.Elapsed.TotalSeconds:F0} images/s " +
                                  $"(CPU {cpuSeconds:F2} s = {images / cpuSeconds:F0} images per CPU-second); {steps} steps, " +
                                  $"{1000 * watch.Elapsed.TotalSeconds / Math.Max(1, steps):F1} ms per step (CPU {1000 * cpuSeconds / Math.Max(1, steps):F1} ms); live tensors {torch.Tensor.TotalCount}, RSS {Process.GetCurrentProcess().WorkingSet64 / (1 << 20)} MiB{LoadAverage()}");
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
