using Arbor.Data;
using Arbor.Distributed;
using Arbor.Training.Optimizers;
using static TorchSharp.torch;

namespace Arbor.Training;

/// <summary>
/// The one training loop of every method: seeded epochs of batches, a cosine schedule with warm-up per step, a dispose
/// scope per step, validation after every epoch with the best epoch kept, an atomic checkpoint after every epoch, exact
/// resume, and a clean stop on cancellation (Ctrl-C) that leaves the last epoch's checkpoint intact.
/// </summary>
public sealed class Trainer
{
    readonly TrainerOptions _options;
    readonly ProgressReporter _progress;
    readonly CancellationToken _cancel;

    /// <summary>The ranks this trainer runs on (one process unless <see cref="TrainerOptions.Group"/> says otherwise).</summary>
    public Distributed.IProcessGroup Group => _options.Group;

    /// <summary>Raised after each epoch's checkpoint is written.</summary>
    public event Action<EpochRecord>? EpochFinished;

    public Trainer(TrainerOptions options, ProgressReporter progress, CancellationToken cancel = default)
    {
        _options = options;
        _progress = progress;
        _cancel = cancel;
    }

    /// <summary>Where and how to checkpoint; null to train without files (tests, linear probes).</summary>
    public sealed record CheckpointPlan(RunFolder Run, CheckpointIdentity Identity, string ConfigJson, bool Resume);

    /// <summary>Outcome: epochs run, the best epoch by validation and its score, and per-epoch history for the log.</summary>
    public sealed record Outcome(int Epochs, int BestEpoch, double BestScore, IReadOnlyList<EpochRecord> History);

    /// <summary>One finished epoch: mean training loss, the learning rate at its last step, wall time, resident memory,
    /// validation (null without a validation check) and whether it is the best epoch so far.</summary>
    public sealed record EpochRecord(int Epoch, double Loss, double LearningRate, double Seconds, double ResidentMiB,
        EpochValidation? Validation, bool IsBest = false);

    /// <summary>
    /// Trains <paramref name="task"/> on <paramref name="train"/> for the configured epochs. After every epoch
    /// <paramref name="validate"/> (optional) scores the model; with a checkpoint plan, the latest state goes to
    /// checkpoint.safetensors and the best-scoring state to best.safetensors.
    /// </summary>
    public Outcome Fit(ITrainingTask task, BatchLoader train, Func<int, EpochValidation>? validate = null, CheckpointPlan? plan = null)
    {
        int stepsPerEpoch = train.BatchesPerEpoch;
        if (stepsPerEpoch == 0) throw new ArborException("the training split is smaller than one batch; lower --batch-size");
        int totalSteps = _options.Epochs * stepsPerEpoch;
        var schedule = new LearningRateSchedule(_options.LearningRate, totalSteps,
            (int)Math.Round(_options.WarmupEpochs * stepsPerEpoch), _options.MinLearningRateFactor);
        var plateau = _options.Schedule == ScheduleKind.Plateau ? new PlateauSchedule(_options.LearningRate) : null;
        if (plateau is not null && validate is null)
            throw new ArgumentException("the plateau schedule needs a validation score every epoch", nameof(validate));
        double RateAt(int s) => plateau?.Rate ?? schedule.RateAt(s);
        var group = _options.Group;
        int ranks = group.Size;
        // Each rank loads and augments only its rows of every global batch (the loader draws the whole batch's random
        // numbers, so the K parts together are the single-process batch).
        var rows = new RowShard(group.Rank, ranks);
        bool root = group.Rank == 0;   // rank 0 alone writes checkpoints and the log
        GradientAverager? averager = null;
        if (ranks > 1)
        {
            if (train.Options.BatchSize % ranks != 0)
                throw new ArborException($"the batch of {train.Options.BatchSize} does not split evenly over {ranks} ranks; " +
                                         $"choose --batch as a multiple of {ranks}");
            task.JoinProcessGroup(group);
            Models.Vision.SyncBatchNorm2d.Attach(task.Model, group);
            averager = new GradientAverager(task.TrainableParameters, group);
            // Every rank initialised from the same seed; the broadcast makes the start identical whatever happened before.
            GradientAverager.BroadcastState(task.Model, group);
        }
        using var optimizer = OptimizerFactory.Create(_options.Optimizer, task.TrainableParameters, _options.LearningRate,
            _options.WeightDecay, _options.Momentum);

        // Batches come from the loader on the CPU; each step moves its batch to the model's device.
        var device = task.TrainableParameters.FirstOrDefault()?.device ?? ComputeDevice.Of(task.Model);
        var history = new List<EpochRecord>();
        int startEpoch = 0, step = 0, bestEpoch = -1;
        double bestScore = double.NegativeInfinity;
        if (plan is { Resume: true })
        {
            var progress = Checkpoint.Load(plan.Run.CheckpointFile, task.Model, plan.Identity, optimizer)
                           ?? throw new ArborException("checkpoint has no training progress to resume from", plan.Run.CheckpointFile);
            (startEpoch, step, bestScore, bestEpoch) = (progress.EpochsDone, progress.StepsDone, progress.BestScore, progress.BestEpoch);
            if (plateau is not null)
                plateau.Restore(progress.PlateauRate ?? throw new ArborException("checkpoint has no plateau-schedule state to resume from", plan.Run.CheckpointFile),
                    progress.PlateauBest ?? double.NegativeInfinity, progress.PlateauBadEpochs);
            _progress.Line($"resuming after epoch {startEpoch} of {_options.Epochs}");
            if (root) plan.Run.Log($"resumed after epoch {startEpoch}");
        }

        if (validate is not null && startEpoch < _options.Epochs)
            _progress.Line("after each epoch: val = validation top-1 per level (their mean picks the best epoch); " +
                           "* = best so far, its weights are kept");
        // The run's ETA: wall time per step so far in this process (validation included once an epoch is done) times the
        // steps left. Shown after the epoch's own bar.
        var runClock = System.Diagnostics.Stopwatch.StartNew();
        int firstStep = step;
        void UpdateRunStatus(int epochNumber)
        {
            int done = step - firstStep, left = totalSteps - step;
            _progress.RunStatus = done == 0 ? null
                : $"training eta {ProgressReporter.Format(TimeSpan.FromSeconds(runClock.Elapsed.TotalSeconds / done * left))} " +
                  $"({epochNumber}/{_options.Epochs} epochs)";
        }
        for (int epoch = startEpoch; epoch < _options.Epochs; epoch++)
        {
            _cancel.ThrowIfCancellationRequested();
            // Anything in the task that draws from torch's global generator is seeded per epoch, so a resumed run
            // draws exactly what an uninterrupted one would have.
            manual_seed(_options.Seed * 100_003L + epoch);
            task.Model.train();
            task.OnEpochStart(epoch);
            _progress.Start($"epoch {epoch + 1}/{_options.Epochs}", stepsPerEpoch);
            double lossSum = 0;
            int batches = 0;
            foreach (var batch in train.GetBatches(epoch, rows, _cancel))
            {
                using (batch)
                using (var scope = NewDisposeScope())
                {
                    _cancel.ThrowIfCancellationRequested();
                    optimizer.LearningRate = RateAt(step);
                    optimizer.ZeroGrad();
                    var loss = task.Loss(batch.To(device));
                    double value = loss.to(ScalarType.Float64).item<double>();   // a float64 model's loss too (exactness tests)
                    if (averager is not null)
                    {
                        // Ranks agree on the loss (and so on divergence): it is averaged with the gradients.
                        loss.backward();
                        value = averager.Average(value);
                    }
                    if (!double.IsFinite(value))
                        throw new ArborException($"training diverged: loss is {value} at epoch {epoch + 1}, step {batches + 1}; lower --lr");
                    if (averager is null) loss.backward();
                    optimizer.Step();
                    if (_options.LogSteps && root)
                        plan?.Run.Log($"step {step + 1}/{totalSteps}  epoch {epoch + 1}  loss {value:R}  lr {optimizer.LearningRate:G6}");
                    lossSum += value;
                    batches++;
                    step++;
                }
                UpdateRunStatus(epoch);
                _progress.Step(batches, $"loss {lossSum / batches:F4}");
            }
            optimizer.ZeroGrad();
            double seconds = _progress.Elapsed;
            task.Model.eval();
            EpochValidation? validation;
            using (no_grad()) validation = validate?.Invoke(epoch);
            bool improved = validation is not null && validation.Score > bestScore;
            if (improved) { bestScore = validation!.Score; bestEpoch = epoch; }
            var record = new EpochRecord(epoch + 1, lossSum / Math.Max(1, batches), RateAt(Math.Max(0, step - 1)),
                seconds, MemoryProbe.ResidentMiB(), validation, improved);
            if (plateau is not null && plateau.Step(validation!.Score))
            {
                _progress.Line($"validation has not improved for {plateau.Patience + 1} epochs: learning rate {record.LearningRate:G3} → {plateau.Rate:G3}");
                if (root) plan?.Run.Log($"plateau: learning rate {record.LearningRate:G3} -> {plateau.Rate:G3}");
            }
            history.Add(record);
            UpdateRunStatus(epoch + 1);
            var line = $"epoch {epoch + 1}/{_options.Epochs}  loss {record.Loss:F4}  lr {record.LearningRate:G3}  " +
                       $"{seconds:F1}s  rss {record.ResidentMiB:F0} MiB" + (validation is null ? "" : $"  val {validation.Summary}" + (improved ? " *" : ""));
            _progress.Line(line);
            var warning = task.EpochWarning(epoch);
            if (warning is not null && root) _progress.Warn(warning);
            if (plan is not null && root)
            {
                plan.Run.Log(line);
                if (warning is not null) plan.Run.LogWarning(warning);
                var progress = new TrainingProgress(epoch + 1, step, bestScore, bestEpoch, plateau?.Rate, plateau?.Best, plateau?.BadEpochs ?? 0);
                // Best first: a crash between the two writes then leaves the previous epoch's checkpoint, and resuming
                // re-runs this epoch (deterministically) and rewrites the same best weights.
                if (improved || validation is null)
                    Checkpoint.Save(plan.Run.BestCheckpointFile, task.Model, plan.Identity, progress, null, plan.ConfigJson);
                Checkpoint.Save(plan.Run.CheckpointFile, task.Model, plan.Identity, progress, optimizer.State(), plan.ConfigJson);
            }
            EpochFinished?.Invoke(record);
        }
        _progress.RunStatus = null;
        // The other ranks may read what rank 0 wrote last (best.safetensors) only once it is there.
        group.Barrier();
        return new Outcome(_options.Epochs, bestEpoch, bestScore, history);
    }
}
