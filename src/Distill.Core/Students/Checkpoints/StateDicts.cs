using Distill.Students.Checkpoints.Internal;
using Distill.Students.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace Distill.Students.Checkpoints;

/// <summary>
/// Copies named tensors into a module's parameters and buffers: the one place weights move between a state dict and a
/// model (checkpoints, teacher layers, Hugging Face files, resumed training all go through it).
/// </summary>
public static class StateDicts
{
    /// <summary>
    /// Copies every tensor of <paramref name="tensors"/> into the parameter or buffer of <paramref name="module"/> with
    /// the same name. Names must match both ways and shapes and dtypes agree; all of it is checked before anything is
    /// copied, so a failed copy leaves the module as it was.
    /// </summary>
    /// <param name="module">The model to load into.</param>
    /// <param name="tensors">Name → value, as <c>state_dict()</c> or a safetensors file gives them.</param>
    /// <param name="source">What the tensors come from, for messages (a file, "the best checkpoint").</param>
    /// <param name="fix">What to do when they do not fit; ends the message.</param>
    /// <exception cref="DistillException">A name is missing or unexpected, or a shape or dtype differs.</exception>
    public static void CopyExactly(nn.Module module, IEnumerable<KeyValuePair<string, Tensor>> tensors, string source, string fix)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(tensors);
        var copy = StateDictCopy.Plan(module, tensors, source, key => key, fix);
        var report = copy.Report;
        if (report.Missing.Count > 0 || report.Unexpected.Count > 0)
        {
            throw CheckpointErrors.StateDictDoesNotFit(source, report.Missing, report.Unexpected, fix);
        }

        copy.Apply();
    }
}
