using System.Collections;
using System.Threading.Channels;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Arbor.Data;

/// <summary>
/// Turns a dataset into batches: NCHW float32 images (resized, channel-adapted, augmented per view, normalised), int64 leaf
/// ids and per-level ids. Batches of an epoch are deterministic given (seed, epoch): the sample order comes from the seed
/// and epoch, and each batch's augmentation from its own generator seeded by (seed, epoch, batch index) — so prefetching
/// never changes the result. A background thread prepares up to <see cref="BatchLoaderOptions.Prefetch"/> batches ahead;
/// image files are decoded in parallel. Each <see cref="Batch"/> owns its tensors and must be disposed by the consumer.
/// </summary>
public sealed class BatchLoader : IEnumerable<Batch>
{
    readonly ImageDataset _dataset;
    readonly int[][] _levelOfLeaf;
    readonly Tensor _mean, _std;
    readonly Points.PointCloudDataset? _clouds;

    public BatchLoader(ImageDataset dataset, BatchLoaderOptions? options = null)
    {
        Options = options ?? new BatchLoaderOptions();
        if (Options.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(options), "BatchSize must be positive");
        if (Options.Views is not (1 or 2)) throw new ArgumentOutOfRangeException(nameof(options), "Views must be 1 or 2");
        if (Options.Channels is not (null or 1 or 3)) throw new ArgumentOutOfRangeException(nameof(options), "Channels must be 1 or 3");
        if (dataset.Count == 0) throw new ArborException($"{dataset.Name}: the dataset is empty");
        _dataset = dataset;
        _levelOfLeaf = dataset.Hierarchy.LevelOfLeaf();
        var shape = dataset.FixedShape;
        if (dataset.Resolve(0).Source is Points.PointCloudDataset clouds)
        {
            // Point clouds: batches of [B, P, 3] coordinates, nothing resized or normalised.
            if (Options.Preprocessor is not null) throw new ArborException($"{dataset.Name}: point clouds take no image preprocessor");
            _clouds = clouds;
            OutputShape = (3, 1, clouds.PointsPerCloud);
            _mean = _std = null!;
            return;
        }
        if (Options.Preprocessor is { } preprocessor)
        {
            var (height, width) = preprocessor.OutputSize;
            if (Options.Channels is not (null or 3) || Options.ImageSize is { } side && (side != height || side != width))
                throw new ArgumentException($"the preprocessor makes 3×{height}×{width} images; ImageSize/Channels disagree", nameof(options));
            OutputShape = (3, height, width);
        }
        else
        {
            int size = Options.ImageSize ?? shape?.Height
                ?? throw new ArborException($"{dataset.Name}: images vary in size; set BatchLoaderOptions.ImageSize");
            if (Options.ImageSize is null && shape is { } s && s.Height != s.Width)
                throw new ArborException($"{dataset.Name}: images are {s.Height}×{s.Width}; set BatchLoaderOptions.ImageSize for square batches");
            OutputShape = (Options.Channels ?? shape?.Channels ?? 3, size, size);
        }
        var normalization = Options.Normalization ?? Options.Preprocessor?.Normalization ?? dataset.DefaultNormalization;
        var (mean, std) = normalization.For(OutputShape.Channels);
        _mean = torch.tensor(mean).view(1, -1, 1, 1).DetachFromDisposeScope();
        _std = torch.tensor(std).view(1, -1, 1, 1).DetachFromDisposeScope();
    }

    /// <summary>The options in force.</summary>
    public BatchLoaderOptions Options { get; }

    /// <summary>The dataset batches come from.</summary>
    public ImageDataset Dataset => _dataset;

    /// <summary>True when the batches are point clouds [B, P, 3] (see <see cref="Points.PointCloudDataset"/>).</summary>
    public bool IsPointClouds => _clouds is not null;

    /// <summary>Shape of one image in a batch; for point clouds (3, 1, points per cloud).</summary>
    public (int Channels, int Height, int Width) OutputShape { get; }

    /// <summary>Epoch used by enumerating the loader itself (<c>foreach (var b in loader)</c>).</summary>
    public int Epoch { get; private set; }

    /// <summary>Sets the epoch of the next plain enumeration.</summary>
    public void SetEpoch(int epoch) => Epoch = epoch;

    /// <summary>Batches per epoch.</summary>
    public int BatchesPerEpoch => PlanEpoch(0).Length;

    /// <summary>Dataset indices of every batch of an epoch, in order.</summary>
    public int[][] PlanEpoch(int epoch)
    {
        int n = _dataset.Count, size = Options.BatchSize;
        if (Options.Sampler == SamplerKind.Hierarchical)
            return HierarchicalSampler.Plan(_dataset.Leaves, _dataset.Hierarchy, size, Options.DropLast, Options.Seed, epoch);
        var order = Enumerable.Range(0, n).ToArray();
        if (Options.Shuffle) new Random(MixSeed(Options.Seed, epoch, -1)).Shuffle(order);
        int count = Options.DropLast ? n / size : (n + size - 1) / size;
        return Enumerable.Range(0, count).Select(b => order.AsSpan(b * size, Math.Min(size, n - b * size)).ToArray()).ToArray();
    }

    public IEnumerator<Batch> GetEnumerator() => GetBatches(Epoch).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>
    /// The batches of <paramref name="epoch"/>. Stopping early (break, exception) cancels the prefetch thread and disposes
    /// batches it had prepared.
    /// </summary>
    public IEnumerable<Batch> GetBatches(int epoch, CancellationToken cancellation = default) =>
        GetBatches(epoch, BatchShard.Whole, cancellation);

    /// <summary>
    /// The batches of <paramref name="epoch"/> that belong to <paramref name="shard"/> (batches b with
    /// b mod Count = Index, each exactly as the whole epoch has it: same rows, same augmentation, same
    /// <see cref="Batch.BatchIndex"/>) — what one rank of a data-parallel evaluation computes.
    /// </summary>
    public IEnumerable<Batch> GetBatches(int epoch, BatchShard shard, CancellationToken cancellation = default) =>
        Produce(epoch, shard, RowShard.Whole, cancellation);

    /// <summary>
    /// <paramref name="rows"/>'s part of every batch of <paramref name="epoch"/> — what one rank of a data-parallel
    /// training step computes on: each part holds exactly the samples and augmentations the whole batch has in those rows
    /// (same <see cref="Batch.BatchIndex"/>; <see cref="Batch.Indices"/> are the part's), but only those samples are read,
    /// decoded and augmented. The augmentation still draws the random numbers of the whole batch (a few per sample), so
    /// K ranks together see the single-process batch. A transform that is not <see cref="IRowwiseBatchTransform"/> gets
    /// the whole batch and the part is cut from its output (loading then costs every rank the whole batch).
    /// </summary>
    public IEnumerable<Batch> GetBatches(int epoch, RowShard rows, CancellationToken cancellation = default) =>
        Produce(epoch, BatchShard.Whole, rows, cancellation);

    IEnumerable<Batch> Produce(int epoch, BatchShard shard, RowShard rows, CancellationToken cancellation)
    {
        var all = PlanEpoch(epoch);
        var mine = Enumerable.Range(0, all.Length).Where(shard.Owns).ToArray();
        if (Options.Prefetch <= 0)
        {
            foreach (int b in mine)
            {
                cancellation.ThrowIfCancellationRequested();
                yield return LoadBatch(all[b], epoch, b, rows);
            }
            yield break;
        }

        var queue = Channel.CreateBounded<Batch>(new BoundedChannelOptions(Options.Prefetch) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var producer = Task.Factory.StartNew(async () =>
        {
            try
            {
                if (Options.PrefetchTorchThreads is int threads) UseTorchThreadsOnThisThread(threads);
                foreach (int b in mine)
                {
                    var batch = LoadBatch(all[b], epoch, b, rows);
                    try { await queue.Writer.WriteAsync(batch, stop.Token); }
                    catch { batch.Dispose(); throw; }
                }
                queue.Writer.Complete();
            }
            catch (Exception e) { queue.Writer.Complete(e); }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();

        try
        {
            while (true)
            {
                Batch? next;
                try
                {
                    if (!queue.Reader.WaitToReadAsync(cancellation).AsTask().GetAwaiter().GetResult()) break;
                    if (!queue.Reader.TryRead(out next)) continue;
                }
                catch (ChannelClosedException e) when (e.InnerException is not null)
                {
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
                    throw;
                }
                yield return next;
            }
            // Surfaces a producer failure that completed the channel with an error.
            queue.Reader.Completion.GetAwaiter().GetResult();
        }
        finally
        {
            stop.Cancel();
            try { producer.GetAwaiter().GetResult(); } catch (OperationCanceledException) { }
            while (queue.Reader.TryRead(out var left)) left.Dispose();
        }
    }

    /// <summary>Builds the batch of the given dataset indices synchronously (what the prefetch thread runs).</summary>
    public Batch LoadBatch(IReadOnlyList<int> indices, int epoch, int batchIndex) => LoadBatch(indices, epoch, batchIndex, RowShard.Whole);

    /// <summary>
    /// Builds <paramref name="rows"/>'s part of the batch of the given dataset indices synchronously: only the part's
    /// samples are read and augmented, each exactly as in the whole batch
    /// (see <see cref="GetBatches(int, RowShard, CancellationToken)"/>).
    /// </summary>
    public Batch LoadBatch(IReadOnlyList<int> indices, int epoch, int batchIndex, RowShard rows)
    {
        int size = indices.Count;
        int first, count;
        try { (first, count) = rows.RowsOf(size); }
        catch (ArborException e) { throw new ArborException($"{_dataset.Name}: batch {batchIndex + 1} of epoch {epoch + 1}: {e.Message}"); }
        bool whole = count == size;
        // A transform that is not row-wise may draw random numbers shaped by everything it is given, so it must see the
        // whole batch; the part's rows are cut from its output.
        bool readWhole = whole || Options.Transform is not (null or IRowwiseBatchTransform);
        var part = whole ? indices : indices.Skip(first).Take(count).ToArray();
        using var scope = torch.NewDisposeScope();
        var read = readWhole ? indices : part;
        var x = _clouds is null ? AdaptChannels(ReadImages(read)) : ReadClouds(read);
        Tensor? view1 = null, view2 = null;
        using (var generator = new torch.Generator((ulong)(uint)MixSeed(Options.Seed, epoch, batchIndex)))
        {
            for (int v = 0; v < Options.Views; v++)
            {
                var y = Options.Transform switch
                {
                    null => x,
                    IRowwiseBatchTransform rowwise when !readWhole => rowwise.ApplyToRows(x, size, first, generator),
                    var transform => transform.Apply(x, generator),
                };
                if (readWhole && !whole) y = y.narrow(0, first, count);
                if (_clouds is not null)
                {
                    // Clouds are not normalised; two untransformed views must still be two tensors (each is disposed).
                    if (v == 0) view1 = y; else view2 = ReferenceEquals(y, view1) ? y.clone() : y;
                    continue;
                }
                // The last view may normalise in place: x is not read again, and a fresh batch-sized tensor from libtorch
                // costs a page fault per page when it exceeds glibc's mmap threshold (see ToUnitFloat).
                y = v == Options.Views - 1 ? y.sub_(_mean).div_(_std) : (y - _mean).div_(_std);
                if (v == 0) view1 = y; else view2 = y;
            }
        }
        var leafIds = part.Select(_dataset.LeafOf).ToArray();
        var levels = new Tensor[_levelOfLeaf.Length];
        for (int l = 0; l < levels.Length; l++)
            levels[l] = torch.tensor(leafIds.Select(leaf => (long)_levelOfLeaf[l][leaf]).ToArray());
        var leaves = levels[^1];
        foreach (var t in levels) t.DetachFromDisposeScope();
        return new Batch(view1!.DetachFromDisposeScope(), view2?.DetachFromDisposeScope(), leaves, levels,
            part.ToArray(), epoch, batchIndex);
    }

    /// <summary>float32 [B, P, 3]: the clouds of the batch, gathered from the dataset's tensor in one index_select.</summary>
    Tensor ReadClouds(IReadOnlyList<int> indices)
    {
        var resolved = indices.Select(_dataset.Resolve).ToArray();
        if (resolved.Any(r => !ReferenceEquals(r.Source, _clouds)))
            throw new InvalidOperationException($"{_dataset.Name}: a batch mixes clouds of different underlying datasets");
        using var idx = torch.tensor(resolved.Select(r => (long)r.Index).ToArray());
        return _clouds!.Points.index_select(0, idx);
    }

    /// <summary>float32 [B, C, size, size] in [0, 1], with the source's channels.</summary>
    Tensor ReadImages(IReadOnlyList<int> indices)
    {
        int b = indices.Count, size = OutputShape.Height;
        var resolved = indices.Select(_dataset.Resolve).ToArray();
        var source = resolved[0].Source;
        if (resolved.Any(r => !ReferenceEquals(r.Source, source)))
            throw new InvalidOperationException($"{_dataset.Name}: a batch mixes images of different underlying datasets");
        if (Options.Preprocessor is { } preprocessor) return Preprocess(preprocessor, source, resolved.Select(r => r.Index).ToArray());
        switch (source)
        {
            case InMemoryImageDataset memory:
            {
                using var idx = torch.tensor(resolved.Select(r => (long)r.Index).ToArray());
                var x = memory.Pixels.index_select(0, idx).to_type(ScalarType.Float32).div_(255f);
                return ResizeSquare(x, size);
            }
            case FileImageDataset files:
                return ToUnitFloat(ReadFiles(files, resolved.Select(r => r.Index).ToArray(), size));
            default:
            {
                // Any other dataset: through its GetImage, one by one.
                var images = resolved.Select(r => ResizeSquare(r.Source.GetImage(r.Index).unsqueeze(0), size)).ToArray();
                return torch.cat(images, 0);
            }
        }
    }

    /// <summary>
    /// uint8 [B, 3, size, size] of image files. Each file is decoded at its own size on the decode threads (a 64 px PNG takes
    /// ~0.1 ms); images of one shape (emoji sets, most folder trees of one source) are cropped and resized together in
    /// torch — bicubic, antialiased, on uint8, like <see cref="ResizeSquare"/> on in-memory data. Images of other sizes go
    /// through the same crop and resize one by one, so every image sees the same preprocessing whatever its batch.
    /// </summary>
    Tensor ReadFiles(FileImageDataset files, int[] indices, int size)
    {
        int b = indices.Length;
        var decoded = new (int Width, int Height, byte[] Planes)[b];
        RunDecoders(b, i => decoded[i] = files.Decode(indices[i]));
        var (w, h) = (decoded[0].Width, decoded[0].Height);
        if (decoded.All(d => d.Width == w && d.Height == h))
        {
            var pixels = torch.empty(new long[] { b, 3, h, w }, ScalarType.Byte);
            var bytes = pixels.bytes;
            for (int i = 0; i < b; i++) decoded[i].Planes.CopyTo(bytes.Slice(i * decoded[i].Planes.Length));
            return CropResizeBytes(pixels, size);
        }
        var batch = torch.empty(new long[] { b, 3, size, size }, ScalarType.Byte);
        for (int i = 0; i < b; i++)
            using (var one = torch.tensor(decoded[i].Planes, new long[] { 1, 3, decoded[i].Height, decoded[i].Width }))
            using (var resized = CropResizeBytes(one, size))
                batch[i].copy_(resized[0]);
        return batch;
    }

    /// <summary>uint8 [B, 3, h, w] → [B, 3, size, size] per <see cref="BatchLoaderOptions.Resize"/> (bicubic, antialiased, saturating).</summary>
    Tensor CropResizeBytes(Tensor pixels, int size)
    {
        long h = pixels.shape[2], w = pixels.shape[3];
        if (Options.Resize == ResizeMode.ShorterSideThenCenterCrop && h != w)
        {
            // Crop the centre square first: the same pixels as scaling the shorter side, then cropping the centre.
            long side = Math.Min(h, w), top = (h - side) / 2, left = (w - side) / 2;
            pixels = pixels[.., .., (int)top..(int)(top + side), (int)left..(int)(left + side)];
        }
        if (pixels.shape[2] == size && pixels.shape[3] == size) return pixels;
        return F.interpolate(pixels, new long[] { size, size }, mode: InterpolationMode.Bicubic, align_corners: false, antialias: true);
    }

    /// <summary>
    /// float32 [B, 3, H, W] in [0, 1] (times the preprocessor's rescale factor · 255) from the model's own preprocessing:
    /// files are decoded with their pixel mode (alpha, palette) on the decode threads, in-memory pixels are taken as grey
    /// or RGB, other datasets' float images are brought back to 8 bits first.
    /// </summary>
    Tensor Preprocess(IImagePreprocessor preprocessor, ImageDataset source, int[] indices)
    {
        int b = indices.Length, plane = 3 * OutputShape.Height * OutputShape.Width;
        var pixels = torch.empty(new long[] { b, 3, OutputShape.Height, OutputShape.Width }, ScalarType.Byte);
        var bytes = pixels.bytes;
        var images = new DecodedImage[b];
        switch (source)
        {
            case FileImageDataset files:
                RunDecoders(b, i => images[i] = DecodedImage.Load(files.SourceOf(indices[i])));
                break;
            case InMemoryImageDataset memory:
            {
                using var idx = torch.tensor(indices.Select(i => (long)i).ToArray());
                using var chosen = memory.Pixels.index_select(0, idx).contiguous();
                var all = chosen.bytes;
                int c = (int)chosen.shape[1], h = (int)chosen.shape[2], w = (int)chosen.shape[3];
                for (int i = 0; i < b; i++) images[i] = DecodedImage.FromPlanes(all.Slice(i * c * h * w, c * h * w), c, w, h);
                break;
            }
            default:
                for (int i = 0; i < b; i++)
                {
                    using var image = source.GetImage(indices[i]);
                    using var quantised = image.mul(255f).round_().clamp_(0, 255).to_type(ScalarType.Byte).contiguous();
                    images[i] = DecodedImage.FromPlanes(quantised.bytes, (int)image.shape[0], (int)image.shape[2], (int)image.shape[1]);
                }
                break;
        }
        var output = new byte[b][];
        RunDecoders(b, i =>
        {
            output[i] = new byte[plane];
            preprocessor.ResizeAndCrop(images[i], output[i]);
        });
        for (int i = 0; i < b; i++) output[i].CopyTo(bytes.Slice(i * plane, plane));
        var x = ToUnitFloat(pixels);
        return preprocessor.RescaleFactor == 1f / 255f ? x : x.mul_(preprocessor.RescaleFactor * 255f);
    }

    /// <summary>Runs <paramref name="decode"/> for 0..count-1 on the decode threads; a bad file's own error surfaces.</summary>
    void RunDecoders(int count, Action<int> decode)
    {
        try
        {
            Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Options.DecodeThreads) }, decode);
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            // Report the first bad file itself (its message names it), not the parallel wrapper.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            throw;
        }
    }

    /// <summary>
    /// float32 in [0, 1] from uint8, in memory the .NET GC provides. Why not libtorch's allocator: glibc serves blocks above
    /// its 32 MiB mmap ceiling (a [64, 3, 224, 224] float batch is 38.5 MB) with a fresh mmap each time, so every batch
    /// page-faults all its pages — measured 130 ms per such batch on this VM, 20× the conversion itself. The GC reuses its
    /// large-object memory; the tensor pins the array until libtorch frees the storage (so views and autograd stay safe).
    /// </summary>
    static Tensor ToUnitFloat(Tensor pixels)
    {
        var shape = pixels.shape;
        var values = GC.AllocateUninitializedArray<float>(checked((int)pixels.numel()));
        return torch.from_array(values).view(shape).copy_(pixels).div_(255f);
    }

    /// <summary>Resizes a batch to size×size per <see cref="BatchLoaderOptions.Resize"/> (bicubic, antialiased).</summary>
    Tensor ResizeSquare(Tensor x, int size)
    {
        long h = x.shape[2], w = x.shape[3];
        if (h == size && w == size) return x;
        if (Options.Resize == ResizeMode.ShorterSideThenCenterCrop && h != w)
        {
            double scale = (double)size / Math.Min(h, w);
            long nh = Math.Max(size, (long)Math.Round(h * scale)), nw = Math.Max(size, (long)Math.Round(w * scale));
            x = F.interpolate(x, new[] { nh, nw }, mode: InterpolationMode.Bicubic, align_corners: false, antialias: true);
            long top = (nh - size) / 2, left = (nw - size) / 2;
            return x[.., .., (int)top..(int)(top + size), (int)left..(int)(left + size)].clamp(0, 1);
        }
        return F.interpolate(x, new long[] { size, size }, mode: InterpolationMode.Bicubic, align_corners: false, antialias: true).clamp(0, 1);
    }

    Tensor AdaptChannels(Tensor x)
    {
        long c = x.shape[1];
        if (c == OutputShape.Channels) return x;
        if (c == 1) return x.expand(-1, OutputShape.Channels, -1, -1).contiguous();
        if (c == 3 && OutputShape.Channels == 1) return BatchAugmentation.Gray(x);
        throw new ArborException($"{_dataset.Name}: cannot turn {c}-channel images into {OutputShape.Channels} channels");
    }

    /// <summary>
    /// Sets the calling thread's intra-op thread count (OpenMP keeps it per thread) and puts libtorch's process default
    /// back from a short-lived helper thread, so the trainer's threads keep theirs. Batch ops are small: intra-op threads
    /// gain little on them and, on busy cores, spin-waiting costs many times the work (measured: 20× CPU at load 12).
    /// </summary>
    static void UseTorchThreadsOnThisThread(int threads)
    {
        int previous = torch.get_num_threads();
        if (threads < 1 || threads == previous) return;
        torch.set_num_threads(threads);
        var restore = new Thread(() => torch.set_num_threads(previous));
        restore.Start();
        restore.Join();
    }

    /// <summary>A 31-bit seed from (seed, epoch, batch) — SplitMix64 mixing, stable across runs and platforms.</summary>
    internal static int MixSeed(int seed, int epoch, int batch)
    {
        ulong z = (ulong)(uint)seed * 0x9E3779B97F4A7C15UL ^ (ulong)(uint)epoch * 0xBF58476D1CE4E5B9UL ^ (ulong)(uint)batch * 0x94D049BB133111EBUL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (int)(z & 0x7FFFFFFF);
    }
}
