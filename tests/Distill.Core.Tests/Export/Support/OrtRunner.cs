using Microsoft.ML.OnnxRuntime;
using static TorchSharp.torch;

namespace Distill.Core.Tests.Export.Support;

/// <summary>Runs an ONNX model in .NET ONNX Runtime (CPU) on TorchSharp tensors and returns the outputs as tensors.</summary>
internal static class OrtRunner
{
    public static Dictionary<string, Tensor> Run(byte[] model, IReadOnlyDictionary<string, Tensor> inputs, params string[] outputs)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        using var session = new InferenceSession(model, options);
        var values = new List<OrtValue>();
        try
        {
            foreach (var (name, tensor) in inputs)
            {
                var shape = tensor.shape;
                values.Add(tensor.dtype == ScalarType.Int64
                    ? OrtValue.CreateTensorValueFromMemory(tensor.contiguous().data<long>().ToArray(), shape)
                    : OrtValue.CreateTensorValueFromMemory(tensor.to(ScalarType.Float32).contiguous().data<float>().ToArray(), shape));
            }

            var names = outputs.Length > 0 ? outputs : session.OutputNames.ToArray();
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, inputs.Keys.ToArray(), values, names);
            var result = new Dictionary<string, Tensor>();
            for (var i = 0; i < names.Length; i++)
            {
                var info = results[i].GetTensorTypeAndShape();
                result[names[i]] = tensor(results[i].GetTensorDataAsSpan<float>().ToArray(), info.Shape);
            }

            return result;
        }
        finally
        {
            foreach (var value in values)
            {
                value.Dispose();
            }
        }
    }

    /// <summary>Largest absolute difference of two tensors of the same shape.</summary>
    public static double MaxAbsDifference(Tensor a, Tensor b)
    {
        a.shape.Should().Equal(b.shape);
        return (a.to(ScalarType.Float64) - b.to(ScalarType.Float64)).abs().max().item<double>();
    }
}
