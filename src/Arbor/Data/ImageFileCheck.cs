namespace Arbor.Data;

/// <summary>An image file that cannot be used, and why (the problem names the file).</summary>
public sealed record BadImage(string Path, string Problem);

/// <summary>
/// What checking every image file of a dataset found: the splits (without the bad files when they were skipped), the bad
/// files, the size every good image shares (null when sizes differ), and the training split's per-channel statistics.
/// </summary>
public sealed record ImageCheck(DatasetSplits Splits, IReadOnlyList<BadImage> BadImages, (int Width, int Height)? CommonSize,
    Normalization? TrainStatistics, int FilesChecked)
{
    /// <summary>For people: e.g. "checked 1,204 image files: 2 bad, skipped (first: a.png: truncated image …)".</summary>
    public string Summary => FilesChecked == 0 ? "" :
        $"checked {FilesChecked:N0} image files: " +
        (BadImages.Count == 0 ? "all decode" : $"{BadImages.Count} bad, skipped ({string.Join("; ", BadImages.Take(3).Select(b => b.Problem))}" +
                                                (BadImages.Count > 3 ? "; …" : "") + ")") +
        (CommonSize is { } s ? $"; all {s.Width}×{s.Height}" : "; sizes vary");
}

/// <summary>
/// Decodes every image file of a dataset once, before anything is trained or evaluated, so a truncated or corrupt file
/// stops the command up front with its name (or, with skipping, is left out and listed) instead of failing mid-epoch or
/// being trained on. The same pass finds whether all images share one size and measures the training split's per-channel
/// mean and standard deviation (every image weighted equally, pixels in [0, 1], at the image's own size).
/// Datasets held in memory (IDX, CIFAR binary) have nothing to check and pass through unchanged.
/// </summary>
public static class ImageFileCheck
{
    sealed class FileResult
    {
        public int Width, Height;
        public string? Problem;
        public double[]? Mean, MeanSquare;   // per channel, of this image
    }

    /// <param name="splits">The dataset.</param>
    /// <param name="skipBad">Leave bad files out of every split instead of failing on the first.</param>
    /// <param name="statistics">Measure the training split's per-channel mean/std.</param>
    /// <param name="progress">Called with (files done, files total) now and then.</param>
    public static ImageCheck Run(DatasetSplits splits, bool skipBad, bool statistics, Action<int, int>? progress = null)
    {
        var named = new[] { splits.Train, splits.Validation, splits.Test };
        var pathsOf = named.Select(FilePaths).ToArray();
        var unique = pathsOf.Where(p => p is not null).SelectMany(p => p!).Distinct(StringComparer.Ordinal).ToArray();
        if (unique.Length == 0) return new ImageCheck(splits, Array.Empty<BadImage>(), null, null, 0);

        var trainPaths = statistics && pathsOf[0] is { } tp ? new HashSet<string>(tp, StringComparer.Ordinal) : null;
        var results = new FileResult[unique.Length];
        int done = 0;
        Parallel.For(0, unique.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            results[i] = CheckFile(unique[i], trainPaths?.Contains(unique[i]) == true);
            int n = Interlocked.Increment(ref done);
            if (progress is not null && (n % 256 == 0 || n == unique.Length)) progress(n, unique.Length);
        });
        var byPath = new Dictionary<string, FileResult>(StringComparer.Ordinal);
        for (int i = 0; i < unique.Length; i++) byPath[unique[i]] = results[i];

        var bad = unique.Select((p, i) => (p, r: results[i])).Where(x => x.r.Problem is not null)
            .Select(x => new BadImage(x.p, x.r.Problem!)).ToList();
        if (bad.Count > 0 && !skipBad)
            throw new DatasetException(bad[0].Problem + (bad.Count > 1 ? $" (and {bad.Count - 1} more bad image file(s))" : "") +
                                       "; pass --skip-bad-images to leave bad files out", null);
        if (bad.Count > 0)
        {
            var filtered = new ImageDataset[3];
            for (int s = 0; s < 3; s++)
            {
                var paths = pathsOf[s];
                if (paths is null) { filtered[s] = named[s]; continue; }
                var keep = Enumerable.Range(0, paths.Length).Where(i => byPath[paths[i]].Problem is null).ToArray();
                filtered[s] = keep.Length == paths.Length ? named[s] : named[s].Subset(keep, named[s].Name);
            }
            if (filtered[0].Count == 0) throw new DatasetException("no training image decodes", null);
            splits = splits with { Train = filtered[0], Validation = filtered[1], Test = filtered[2] };
        }

        var good = results.Where(r => r.Problem is null).ToArray();
        (int, int)? common = good.Length > 0 && good.All(r => r.Width == good[0].Width && r.Height == good[0].Height)
            ? (good[0].Width, good[0].Height) : null;
        Normalization? stats = null;
        if (statistics && pathsOf[0] is { } train)
        {
            var measured = train.Select(p => byPath[p]).Where(r => r.Problem is null).ToArray();
            var mean = new float[3];
            var std = new float[3];
            for (int c = 0; c < 3; c++)
            {
                double m = measured.Average(r => r.Mean![c]), sq = measured.Average(r => r.MeanSquare![c]);
                mean[c] = (float)m;
                // A constant channel would divide by zero; fall back to 1 (leave the scale alone).
                std[c] = (float)Math.Max(Math.Sqrt(Math.Max(0, sq - m * m)), 1e-3);
            }
            stats = new Normalization("data", mean, std);
        }
        return new ImageCheck(splits, bad, common, stats, unique.Length);
    }

    /// <summary>The file of every image of a split, or null when the split is not made of files.</summary>
    static string[]? FilePaths(ImageDataset split)
    {
        if (split.Count == 0) return Array.Empty<string>();
        var paths = new string[split.Count];
        for (int i = 0; i < split.Count; i++)
        {
            var (source, index) = split.Resolve(i);
            if (source is not FileImageDataset files) return null;
            paths[i] = files.Entries[index].Path;
        }
        return paths;
    }

    static FileResult CheckFile(string path, bool measure)
    {
        try
        {
            var (w, h, planes) = ImageDecoder.Decode(path);
            var result = new FileResult { Width = w, Height = h };
            if (measure)
            {
                int plane = w * h;
                result.Mean = new double[3];
                result.MeanSquare = new double[3];
                for (int c = 0; c < 3; c++)
                {
                    long sum = 0, square = 0;
                    var values = planes.AsSpan(c * plane, plane);
                    foreach (var v in values) { sum += v; square += v * v; }
                    result.Mean[c] = sum / (255.0 * plane);
                    result.MeanSquare[c] = square / (255.0 * 255.0 * plane);
                }
            }
            return result;
        }
        catch (ArborException e)
        {
            return new FileResult { Problem = e.Message };
        }
    }
}
