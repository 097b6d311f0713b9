using System.Buffers.Binary;
using Distill.Students;
using Google.Protobuf;
using Onnx;

namespace Distill.Core.Tests.Students.Checkpoints;

/// <summary>
/// Small ONNX models made in code whose initializers carry a student's weights, as Distill's exporter names them (the
/// state-dict keys, PyTorch's [out, in] layout). The graphs hold no computation: the importer reads initializers only.
/// </summary>
internal static class OnnxModels
{
    /// <summary>
    /// A model holding <paramref name="student"/>'s weights, renamed by <paramref name="rename"/> (null drops one);
    /// every other initializer is written to float_data and the rest to raw_data, to read both.
    /// </summary>
    public static ModelProto FromStudent(TransformerStudent student, bool withMetadata, Func<string, string?>? rename = null)
    {
        var graph = new GraphProto { Name = "teacher" };
        var index = 0;
        foreach (var (key, value) in student.state_dict())
        {
            var name = rename is null ? key : rename(key);
            if (name is null)
            {
                continue;
            }

            var values = Tensors.Values(value).Select(v => (float)v).ToArray();
            graph.Initializer.Add(index++ % 2 == 0 ? RawFloat(name, value.shape, values) : TypedFloat(name, value.shape, values));
        }

        // A non-weight initializer, as real graphs have (a Reshape's target shape): it must be skipped.
        graph.Initializer.Add(new TensorProto { Name = "onnx::Reshape_7", DataType = (int)TensorProto.Types.DataType.Int64, Dims = { 3 }, Int64Data = { 0, -1, 4 } });
        var model = new ModelProto { IrVersion = 8, ProducerName = "distill-tests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = 17 });
        if (withMetadata)
        {
            model.MetadataProps.Add(new StringStringEntryProto { Key = "distill.architecture", Value = StudentOptionsJson.Serialize(student.Settings) });
        }

        return model;
    }

    public static TensorProto RawFloat(string name, long[] shape, float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        }

        return new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, Dims = { shape }, RawData = ByteString.CopyFrom(bytes) };
    }

    public static TensorProto TypedFloat(string name, long[] shape, float[] values) =>
        new() { Name = name, DataType = (int)TensorProto.Types.DataType.Float, Dims = { shape }, FloatData = { values } };

    public static void Write(ModelProto model, string path)
    {
        using var stream = File.Create(path);
        model.WriteTo(stream);
    }
}
