using System.Collections;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Distill.Students.Checkpoints.Internal;

/// <summary>
/// Reads and writes state-dict files through TorchSharp.PyBridge: safetensors, and PyTorch's zip format
/// (<c>torch.save</c>, as in <c>pytorch_model.bin</c>). The format is told by the file's first bytes, not its name.
/// </summary>
internal static class StateDictFiles
{
    /// <summary>Reads every tensor of a safetensors or PyTorch file; the caller disposes them.</summary>
    /// <exception cref="DistillException">The file is missing, of another format, or damaged.</exception>
    public static Dictionary<string, Tensor> Read(string path)
    {
        if (!File.Exists(path))
        {
            throw CheckpointErrors.WeightsFileNotFound(path);
        }

        var head = new byte[8];
        long length;
        using (var probe = File.OpenRead(path))
        {
            length = probe.Length;
            probe.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }

        if (head is [0x50, 0x4B, 0x03, 0x04, ..])
        {
            return ReadPyTorch(path);
        }

        if (head[0] == 0x80)
        {
            // A pickle protocol marker at offset 0: torch.save before PyTorch 1.6, which PyBridge cannot read.
            throw CheckpointErrors.LegacyPyTorchFormat(path);
        }

        var headerLength = BitConverter.ToUInt64(head);
        if (length < 8 || headerLength == 0 || headerLength > (ulong)(length - 8))
        {
            throw CheckpointErrors.UnknownWeightsFormat(path);
        }

        try
        {
            return Safetensors.LoadStateDict(path);
        }
        catch (Exception e) when (e is not DistillException)
        {
            throw CheckpointErrors.UnreadableSafetensors(path, e);
        }
    }

    /// <summary>Writes tensors as safetensors and flushes them to disk. Tensors must be on the CPU and contiguous.</summary>
    public static void WriteSafetensors(string path, Dictionary<string, Tensor> tensors)
    {
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        Safetensors.SaveStateDict(stream, tensors, leaveOpen: true);
        stream.Flush(flushToDisk: true);
    }

    private static Dictionary<string, Tensor> ReadPyTorch(string path)
    {
        Hashtable table;
        try
        {
            using var stream = File.OpenRead(path);
            table = PyTorchUnpickler.UnpickleStateDict(stream, leaveOpen: false);
        }
        catch (Exception e) when (e is not DistillException)
        {
            throw CheckpointErrors.UnreadablePyTorchStateDict(path, e);
        }

        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in table)
        {
            if (entry.Key is not string key || entry.Value is not Tensor tensor)
            {
                foreach (var loaded in tensors.Values)
                {
                    loaded.Dispose();
                }

                throw CheckpointErrors.NotATensor(path, entry.Key, entry.Value);
            }

            tensors[key] = tensor;
        }

        // A Hashtable has no order; sort so that reports list keys the same way every run.
        return tensors.OrderBy(pair => pair.Key, StringComparer.Ordinal).ToDictionary(StringComparer.Ordinal);
    }
}
