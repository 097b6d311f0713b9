using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using Onnx;
using static TorchSharp.torch;

namespace Distill.Teacher.Internal;

/// <summary>
/// Turns an ONNX graph's floating-point initializers into float32 tensors: raw_data (little-endian, as the ONNX spec
/// fixes it) or the typed fields (float_data, double_data, int32_data for 16-bit floats), stored in the model file or
/// in an external data file beside it. Other initializers (int64 shapes, indices) are not weights and are skipped.
/// </summary>
internal static class OnnxInitializers
{
    /// <summary>Every float initializer by name, in graph order; the caller disposes the tensors.</summary>
    public static Dictionary<string, Tensor> ReadFloats(GraphProto graph, string source)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(source))!;
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var initializer in graph.Initializer)
            {
                var values = ReadValues(initializer, source, folder);
                if (values is not null)
                {
                    tensors[initializer.Name] = tensor(values, initializer.Dims.ToArray());
                }
            }
        }
        catch
        {
            foreach (var loaded in tensors.Values)
            {
                loaded.Dispose();
            }

            throw;
        }

        return tensors;
    }

    /// <summary>The values of one floating-point initializer as float32, or null when it holds another type.</summary>
    public static float[]? ReadValues(TensorProto initializer, string source, string folder)
    {
        var type = (TensorProto.Types.DataType)initializer.DataType;
        if (type is not (TensorProto.Types.DataType.Float or TensorProto.Types.DataType.Double
            or TensorProto.Types.DataType.Float16 or TensorProto.Types.DataType.Bfloat16))
        {
            return null;
        }

        var count = initializer.Dims.Aggregate(1L, (product, dim) => product * dim);
        var raw = initializer.DataLocation == TensorProto.Types.DataLocation.External
            ? ReadExternal(initializer, source, folder)
            : initializer.RawData.Span;
        float[] values;
        if (!raw.IsEmpty || initializer.DataLocation == TensorProto.Types.DataLocation.External)
        {
            values = type switch
            {
                TensorProto.Types.DataType.Float => BitConverter.IsLittleEndian
                    ? MemoryMarshal.Cast<byte, float>(raw).ToArray()
                    : Decode(raw, 4, b => BinaryPrimitives.ReadSingleLittleEndian(b)),
                TensorProto.Types.DataType.Double => Decode(raw, 8, b => (float)BinaryPrimitives.ReadDoubleLittleEndian(b)),
                TensorProto.Types.DataType.Float16 => Decode(raw, 2, b => (float)BinaryPrimitives.ReadHalfLittleEndian(b)),
                _ => Decode(raw, 2, b => BFloat16(BinaryPrimitives.ReadUInt16LittleEndian(b))),
            };
        }
        else
        {
            // The typed fields; 16-bit floats keep their bit patterns in int32_data, as the ONNX spec says.
            values = type switch
            {
                TensorProto.Types.DataType.Float => [.. initializer.FloatData],
                TensorProto.Types.DataType.Double => initializer.DoubleData.Select(v => (float)v).ToArray(),
                TensorProto.Types.DataType.Float16 => initializer.Int32Data.Select(bits => (float)BitConverter.UInt16BitsToHalf((ushort)bits)).ToArray(),
                _ => initializer.Int32Data.Select(bits => BFloat16((ushort)bits)).ToArray(),
            };
        }

        if (values.Length != count)
        {
            throw TeacherErrors.InitializerDamaged(source, initializer, values.Length);
        }

        return values;
    }

    // External data: "location" is a file relative to the model's folder; "offset" and "length" are in bytes.
    private static ReadOnlySpan<byte> ReadExternal(TensorProto initializer, string source, string folder)
    {
        var entries = initializer.ExternalData.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
        if (!entries.TryGetValue("location", out var location))
        {
            throw TeacherErrors.ExternalDataWithoutLocation(source, initializer);
        }

        var path = Path.Combine(folder, location);
        if (!File.Exists(path))
        {
            throw TeacherErrors.ExternalDataMissing(source, initializer, path);
        }

        using var stream = File.OpenRead(path);
        var offset = entries.TryGetValue("offset", out var o) ? long.Parse(o, CultureInfo.InvariantCulture) : 0;
        var length = entries.TryGetValue("length", out var l) ? long.Parse(l, CultureInfo.InvariantCulture) : stream.Length - offset;
        var bytes = new byte[length];
        stream.Position = offset;
        stream.ReadExactly(bytes);
        return bytes;
    }

    private delegate float Reader(ReadOnlySpan<byte> bytes);

    private static float[] Decode(ReadOnlySpan<byte> raw, int size, Reader read)
    {
        var values = new float[raw.Length / size];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = read(raw.Slice(i * size, size));
        }

        return values;
    }

    // bfloat16 is the top half of a float32.
    private static float BFloat16(ushort bits) => BitConverter.Int32BitsToSingle(bits << 16);
}
