using static TorchSharp.torch;

namespace Distill.Export.Internal;

/// <summary>
/// A student's state dict, handed out as ONNX initializers on first use under the state-dict key, so that every
/// weight is written once and keeps the name a checkpoint has.
/// </summary>
internal sealed class StudentWeights(OnnxGraphBuilder graph, IReadOnlyDictionary<string, Tensor> stateDict)
{
    private readonly Dictionary<string, string> _written = new(StringComparer.Ordinal);

    public string this[string key]
    {
        get
        {
            if (!_written.TryGetValue(key, out var name))
            {
                var tensor = stateDict.TryGetValue(key, out var value)
                    ? value
                    : throw new InvalidOperationException($"ONNX export: the model has no weight '{key}'");
                name = graph.Weight(key, tensor);
                _written[key] = name;
            }

            return name;
        }
    }

    public Tensor Tensor(string key) => stateDict[key];
}
