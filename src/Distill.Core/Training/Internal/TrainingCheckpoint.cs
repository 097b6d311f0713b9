using Distill.Metrics;
using Distill.Students.Checkpoints;
using System.Text.Json;
using System.Text.Json.Serialization;
using TorchSharp.Modules;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Distill.Training.Internal;

/// <summary>Where a run stands, saved with its weights so that it can continue exactly.</summary>
internal sealed record TrainingState
{
    public int Stage { get; init; }

    public int Epoch { get; init; }

    /// <summary>Batches of the epoch already done.</summary>
    public int Batch { get; init; }

    /// <summary>Optimizer steps in the current stage.</summary>
    public long StageStep { get; init; }

    /// <summary>Optimizer steps in all stages.</summary>
    public long GlobalStep { get; init; }

    public double? BestMetric { get; init; }

    public int EvaluationsWithoutImprovement { get; init; }

    public bool StoppedEarly { get; init; }

    /// <summary>Stages that early stopping ended.</summary>
    public List<string> EarlyStoppedStages { get; init; } = [];

    public List<EvaluationRecord> Evaluations { get; init; } = [];
}

/// <summary>An evaluation as the state file keeps it.</summary>
internal sealed record EvaluationRecord(string Stage, int Epoch, long Step, ClassificationMetrics Metrics);

/// <summary>
/// Resumable checkpoints: a folder with the student's weights, the learned loss parameters (projections, connectors),
/// the optimizer's state and the run's state. Written to a temporary folder and renamed into place, so a checkpoint
/// is whole or absent; only the latest is kept. Random state needs no saving: shuffles and dropout are seeded from
/// (seed, stage, epoch, step).
/// </summary>
internal static class TrainingCheckpoint
{
    private const string Student = "student.safetensors";
    private const string Extras = "learned.safetensors";
    private const string Optimizer = "optimizer.dat";
    private const string State = "state.json";

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static string Folder(string output) => Path.Combine(output, "checkpoint");

    public static void Save(string output, nn.Module student, IReadOnlyDictionary<string, Tensor> learned, AdamWOptimizer optimizer, TrainingState state)
    {
        // Every tensor the copies make belongs to this scope: held until written (a tensor that only the stack holds can
        // be finalized during the native call that reads it), freed right after.
        using var scope = NewDisposeScope();
        var folder = Folder(output);
        var temporary = $"{folder}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";
        Directory.CreateDirectory(temporary);
        try
        {
            Write(Path.Combine(temporary, Student), student.state_dict());
            Write(Path.Combine(temporary, Extras), learned.ToDictionary(p => p.Key, p => p.Value));
            optimizer.Save(Path.Combine(temporary, Optimizer));
            File.WriteAllText(Path.Combine(temporary, State), JsonSerializer.Serialize(state, Json));

            // Swap in the new checkpoint: the old one goes aside first, so one whole checkpoint exists at every moment.
            var old = $"{folder}.old-{Environment.ProcessId}";
            if (Directory.Exists(folder))
            {
                Directory.Move(folder, old);
            }

            Directory.Move(temporary, folder);
            if (Directory.Exists(old))
            {
                Directory.Delete(old, recursive: true);
            }
        }
        finally
        {
            if (Directory.Exists(temporary))
            {
                Directory.Delete(temporary, recursive: true);
            }
        }
    }

    /// <summary>The state of the checkpoint in <paramref name="output"/>, or null when there is none.</summary>
    public static TrainingState? ReadState(string output)
    {
        RecoverInterruptedSwap(output);
        var path = Path.Combine(Folder(output), State);
        return File.Exists(path) ? JsonSerializer.Deserialize<TrainingState>(File.ReadAllText(path), Json) : null;
    }

    public static void LoadWeights(string output, nn.Module student, IReadOnlyDictionary<string, Tensor> learned)
    {
        var folder = Folder(output);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        StateDicts.CopyExactly(student, Safetensors.LoadStateDict(Path.Combine(folder, Student)), Path.Combine(folder, Student),
            "the resume point was written for another student; delete it to train from the start");

        foreach (var (name, value) in Safetensors.LoadStateDict(Path.Combine(folder, Extras)))
        {
            if (learned.TryGetValue(name, out var target))
            {
                target.copy_(value);
            }
        }
    }

    public static void LoadOptimizer(string output, AdamWOptimizer optimizer) =>
        optimizer.Load(Path.Combine(Folder(output), Optimizer));

    private static void Write(string path, Dictionary<string, Tensor> tensors)
    {
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        Safetensors.SaveStateDict(stream, tensors.ToDictionary(p => p.Key, p => p.Value.detach().cpu()));
    }

    /// <summary>A kill between the two renames of a swap leaves only the old checkpoint aside: put it back.</summary>
    private static void RecoverInterruptedSwap(string output)
    {
        var folder = Folder(output);
        if (Directory.Exists(folder) || !Directory.Exists(output))
        {
            return;
        }

        var old = Directory.EnumerateDirectories(output, "checkpoint.old-*").FirstOrDefault();
        if (old is not null)
        {
            Directory.Move(old, folder);
        }
    }
}
