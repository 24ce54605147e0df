namespace Arbor.Data;

/// <summary>How batches are drawn from a dataset.</summary>
public enum SamplerKind
{
    /// <summary>A seeded permutation per epoch (in index order when <see cref="BatchLoaderOptions.Shuffle"/> is false).</summary>
    Random,
    /// <summary>
    /// Groups of four, as HMLC samples: an anchor, an image of the same leaf, an image of a sibling leaf (same parent,
    /// different leaf) and an image from a different level-1 branch. See <see cref="HierarchicalSampler"/>.
    /// </summary>
    Hierarchical,
}

/// <summary>Options of a <see cref="BatchLoader"/>.</summary>
public sealed record BatchLoaderOptions
{
    /// <summary>Samples per batch. Default 128.</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Shuffle every epoch (seeded by <see cref="Seed"/> and the epoch). Default true.</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>Seed of shuffling, sampling and augmentation.</summary>
    public int Seed { get; init; }

    /// <summary>Drop the last, smaller batch of an epoch. Default false.</summary>
    public bool DropLast { get; init; }

    /// <summary>Batch-wise augmentation applied to every view (null: none, e.g. for evaluation).</summary>
    public IBatchTransform? Transform { get; init; }

    /// <summary>1, or 2 for contrastive learning (two independently augmented views of each image).</summary>
    public int Views { get; init; } = 1;

    /// <summary>Batches prepared ahead on a background thread (bounded queue depth); 0 prepares them on the caller's thread.</summary>
    public int Prefetch { get; init; } = 2;

    /// <summary>How samples are grouped into batches.</summary>
    public SamplerKind Sampler { get; init; } = SamplerKind.Random;

    /// <summary>Output side in pixels (square). Default: the dataset's own size; required for datasets of varying size.</summary>
    public int? ImageSize { get; init; }

    /// <summary>How images are brought to <see cref="ImageSize"/>. Default: shorter side, then centre crop.</summary>
    public ResizeMode Resize { get; init; } = ResizeMode.ShorterSideThenCenterCrop;

    /// <summary>
    /// A model's own preprocessing (CLIP's <c>ClipImageProcessor</c>): when set, every image is resized and cropped by it
    /// (not by <see cref="Resize"/>), the output is 3×its size, and <see cref="ImageSize"/>/<see cref="Channels"/>, if given,
    /// must agree; normalisation is the preprocessor's unless <see cref="Normalization"/> is set.
    /// </summary>
    public IImagePreprocessor? Preprocessor { get; init; }

    /// <summary>Output channels: 1 (grayscale) or 3 (RGB; grayscale is repeated). Default: the dataset's own (3 for files).</summary>
    public int? Channels { get; init; }

    /// <summary>Normalisation after augmentation. Default: the dataset's <see cref="ImageDataset.DefaultNormalization"/>.</summary>
    public Normalization? Normalization { get; init; }

    /// <summary>
    /// Torch intra-op threads of the prefetch thread (only that thread; null leaves it at the process default). Default 1:
    /// batch ops are small, and on shared cores OpenMP spin-waiting costs far more than it gains.
    /// </summary>
    public int? PrefetchTorchThreads { get; init; } = 1;

    /// <summary>Threads decoding image files of one batch. Default: processor count.</summary>
    public int DecodeThreads { get; init; } = Environment.ProcessorCount;
}
