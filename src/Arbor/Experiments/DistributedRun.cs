using Arbor.Distributed;
using Arbor.Training;
using TorchSharp;

namespace Arbor.Experiments;

/// <summary>What `arbor train` does differently on the ranks of a data-parallel run (docs/distributed.md).</summary>
internal static class DistributedRun
{
    /// <summary>
    /// Records the run's ranks in its config (a fresh run) or checks them against the stored ones (a resume: the
    /// per-rank shards, and so the batches' arithmetic, depend on K).
    /// </summary>
    public static RunConfig Configure(RunConfig config, IProcessGroup group, IProcessGroup? given, bool resuming, string runDir)
    {
        if (resuming)
        {
            int stored = config.Ranks ?? 1;
            if (stored != group.Size)
                throw new ArborException($"--resume: the run was trained on {stored} rank(s) and this job has {group.Size}; " +
                                         $"resume it with the same number ({(stored == 1 ? "without mpirun" : $"mpirun -np {stored}")})",
                                         Path.Combine(Path.GetFullPath(runDir), "config.json"));
            return config;
        }
        return given is null ? config with { Distributed = null, Ranks = null }
            : config with { Distributed = given is MpiProcessGroup ? "mpi" : config.Distributed, Ranks = group.Size };
    }

    /// <summary>Methods that train outside the shared trainer (dual-encoder heads on cached encodings) run in one process.</summary>
    public static void RequireTrainerOnly(RunConfig config, IProcessGroup group)
    {
        if (group.Size > 1 && VisionLanguage.DualEncoderMethods.Applies(config))
            throw new ArborException($"{config.Method} with --image-encoder trains its heads on cached encodings, which is not " +
                                     "data-parallel; run it without mpirun");
    }

    /// <summary>Rank 0 loads the best epoch's weights from the run folder it wrote; the other ranks receive them, so they
    /// need not see the folder (several machines without a shared file system).</summary>
    public static void LoadBest(string bestFile, torch.nn.Module model, CheckpointIdentity identity, IProcessGroup group)
    {
        if (group.Rank == 0) Checkpoint.Load(bestFile, model, identity);
        GradientAverager.BroadcastState(model, group);
    }
}
