using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace Distill.Core.Tests.Students.Checkpoints;

/// <summary>One tensor for <see cref="SafetensorsWriter"/>: a name, a safetensors dtype, a shape and its little-endian bytes.</summary>
internal sealed record SafetensorsEntry(string Name, string Dtype, long[] Shape, byte[] Data)
{
    public static SafetensorsEntry F32(string name, long[] shape, float[] values)
    {
        var data = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(i * 4), values[i]);
        }

        return new SafetensorsEntry(name, "F32", shape, data);
    }

    public static SafetensorsEntry I64(string name, long[] shape, long[] values)
    {
        var data = new byte[values.Length * 8];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(i * 8), values[i]);
        }

        return new SafetensorsEntry(name, "I64", shape, data);
    }
}

/// <summary>
/// Writes safetensors files by hand, from the format's description and independently of TorchSharp.PyBridge: an
/// 8-byte little-endian header length, a JSON header {name: {dtype, shape, data_offsets: [begin, end]}} (with the
/// "__metadata__" entry Hugging Face writes, padded with spaces to 8 bytes as the reference writer does), then the
/// raw bytes.
/// </summary>
internal static class SafetensorsWriter
{
    public static void Write(string path, IEnumerable<SafetensorsEntry> entries)
    {
        var list = entries.ToList();
        var header = new Dictionary<string, object> { ["__metadata__"] = new Dictionary<string, string> { ["format"] = "pt" } };
        long offset = 0;
        foreach (var entry in list)
        {
            header[entry.Name] = new { dtype = entry.Dtype, shape = entry.Shape, data_offsets = new[] { offset, offset + entry.Data.Length } };
            offset += entry.Data.Length;
        }

        var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        var padded = (json.Length + 7) / 8 * 8;
        using var stream = File.Create(path);
        var length = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
        stream.Write(length);
        stream.Write(json);
        stream.Write(Enumerable.Repeat((byte)' ', padded - json.Length).ToArray());
        foreach (var entry in list)
        {
            stream.Write(entry.Data);
        }
    }
}
