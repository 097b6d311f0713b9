using Distill.Students.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Distill.Students.Internal;

/// <summary>
/// Copies named tensors into a module's parameters and buffers. <see cref="Plan"/> matches names and checks every shape
/// and dtype before <see cref="Apply"/> changes anything, so a failed load leaves the model as it was.
/// </summary>
internal sealed class StateDictCopy
{
    private readonly List<(Tensor Target, Tensor Value)> _pairs;

    private StateDictCopy(List<(Tensor Target, Tensor Value)> pairs, WeightImportReport report)
    {
        _pairs = pairs;
        Report = report;
    }

    /// <summary>What the copy will load, and what it leaves out.</summary>
    public WeightImportReport Report { get; }

    /// <summary>
    /// Matches <paramref name="tensors"/> (file key → value) to <paramref name="module"/>'s state dict through
    /// <paramref name="toModelKey"/> (null: ignore the key). Throws, naming <paramref name="source"/>, the key and both
    /// shapes, when a matched tensor's shape differs; <paramref name="fix"/> ends that message.
    /// </summary>
    public static StateDictCopy Plan(
        nn.Module module, IEnumerable<KeyValuePair<string, Tensor>> tensors, string source, Func<string, string?> toModelKey, string fix)
    {
        // state_dict() hands back the module's own parameters and buffers: copying into them updates the module.
        var state = module.state_dict();
        var matched = new Dictionary<string, (string FileKey, Tensor Value)>(StringComparer.Ordinal);
        var unexpected = new List<string>();
        var ignored = new List<string>();
        var mismatches = new List<string>();
        foreach (var (fileKey, value) in tensors)
        {
            var key = toModelKey(fileKey);
            if (key is null)
            {
                ignored.Add(fileKey);
                continue;
            }

            if (!state.TryGetValue(key, out var target))
            {
                unexpected.Add(fileKey);
                continue;
            }

            if (matched.TryGetValue(key, out var earlier))
            {
                throw StudentErrors.SameWeightTwice(source, earlier.FileKey, fileKey, key);
            }

            matched[key] = (fileKey, value);
            if (!target.shape.SequenceEqual(value.shape))
            {
                mismatches.Add($"{fileKey} has shape {KeyLists.Shape(value.shape)} in the file but {KeyLists.Shape(target.shape)} in the model");
            }
            else if (target.is_floating_point() != value.is_floating_point())
            {
                mismatches.Add($"{fileKey} has dtype {value.dtype} in the file but {target.dtype} in the model");
            }
        }

        if (mismatches.Count > 0)
        {
            throw StudentErrors.TensorsDiffer(source, mismatches, fix);
        }

        var pairs = new List<(Tensor, Tensor)>();
        var loaded = new List<string>();
        var missing = new List<string>();
        foreach (var (key, target) in state)
        {
            if (matched.TryGetValue(key, out var found))
            {
                pairs.Add((target, found.Value));
                loaded.Add(key);
            }
            else
            {
                missing.Add(key);
            }
        }

        var report = new WeightImportReport { Source = source, Loaded = loaded, Missing = missing, Unexpected = unexpected, Ignored = ignored };
        return new StateDictCopy(pairs, report);
    }

    /// <summary>Copies every matched value into the model (converting dtype and device as needed), without autograd.</summary>
    public void Apply()
    {
        using var noGrad = no_grad();
        foreach (var (target, value) in _pairs)
        {
            target.copy_(value);
        }
    }
}
