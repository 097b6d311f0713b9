using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Distill.Teacher.Internal;

/// <summary>
/// Makes internal tensors graph outputs in a copy of a model. New nodes (Cast, and Shape, Concat, Reshape for
/// hidden-state rows) go at the end of the node list, after everything they read, so the copy stays topologically
/// sorted.
/// </summary>
internal sealed class GraphEditor
{
    private readonly ModelProto _copy;
    private readonly GraphProto _graph;
    private readonly OnnxGraphIndex _index;
    private readonly TensorFacts _facts;
    private readonly string _source;
    private readonly HashSet<string> _claimed = new(StringComparer.Ordinal);
    private readonly HashSet<string> _nodeNames;
    private string? _batchSequenceHidden;

    public GraphEditor(ModelProto model, string source)
    {
        // Clone shares the initializers' bytes (ByteString is immutable): a large teacher is not copied.
        _copy = model.Clone();
        _graph = _copy.Graph ?? throw TeacherErrors.NoGraph(source);
        _index = new OnnxGraphIndex(_graph);
        _facts = new TensorFacts(_index);
        _source = source;
        _nodeNames = _graph.Node.Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
    }

    public ModelProto Result => _copy;

    /// <summary>Makes a tap an output under <see cref="TeacherTap.OutputName"/>, reshaped and cast as the tap says.</summary>
    public void Add(TeacherTap tap)
    {
        if (tap.IsOutput)
        {
            if (!_index.Outputs.Contains(tap.OutputName))
            {
                throw TeacherErrors.TapNotFromThisModel(_source, tap.OutputName, tap.Label);
            }

            return;
        }

        if (_index.Outputs.Contains(tap.OutputName))
        {
            return;
        }

        RequireProduced(tap.TensorName, tap.Label);
        var value = tap.TensorName;
        if (tap.CastToFloat)
        {
            value = AddNode("Cast", [value], tap.NeedsReshape ? Fresh($"{tap.OutputName}/float") : tap.OutputName, new AttributeProto
            {
                Name = "to", Type = AttributeProto.Types.AttributeType.Int, I = (long)DataType.Float,
            });
        }

        if (tap.NeedsReshape)
        {
            value = AddNode("Reshape", [value, BatchSequenceHidden(tap)], tap.OutputName);
        }

        var ids = TokenIdsShape();
        var shape = tap.Kind == TeacherTapKind.AttentionProbabilities
            ? ids is null ? null : new[] { ids[0], default, ids[1], ids[1] }
            : ids is null ? null : new[] { ids[0], ids[1], tap.Width is { } width ? new TensorShapeProto.Types.Dimension { DimValue = width } : default };
        DeclareOutput(value, DataType.Float, shape);
    }

    /// <summary>Makes any internal tensor an output under its own name, with the element type the graph gives it.</summary>
    public void AddRaw(string tensor)
    {
        if (_index.Outputs.Contains(tensor))
        {
            return;
        }

        if (_index.ProducerIndex(tensor) is null)
        {
            throw TeacherErrors.TensorNotComputed(_source, tensor);
        }

        DeclareOutput(tensor, _facts.ElementType(tensor) ?? DataType.Float, null);
    }

    private void DeclareOutput(string name, DataType type, TensorShapeProto.Types.Dimension?[]? dims)
    {
        var tensorType = new TypeProto.Types.Tensor { ElemType = (int)type };
        if (dims is not null)
        {
            tensorType.Shape = new TensorShapeProto();
            tensorType.Shape.Dim.AddRange(dims.Select(d => d ?? new TensorShapeProto.Types.Dimension()));
        }

        // A name may be listed once: as an output it no longer belongs in value_info.
        foreach (var stale in _graph.ValueInfo.Where(v => v.Name == name).ToList())
        {
            _graph.ValueInfo.Remove(stale);
        }

        _graph.Output.Add(new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensorType } });
        _claimed.Add(name);
    }

    private void RequireProduced(string tensor, string what)
    {
        if (_index.ProducerIndex(tensor) is null)
        {
            throw TeacherErrors.TapNotFromThisModel(_source, tensor, what);
        }
    }

    private TensorShapeProto.Types.Dimension?[]? TokenIdsShape()
    {
        var name = TapFinder.TokenIdsInput(_index);
        var dims = name is null ? null : _index.Inputs.First(i => i.Name == name).Type?.TensorType?.Shape?.Dim;
        return dims is { Count: 2 } ? [dims[0].Clone(), dims[1].Clone()] : null;
    }

    // [batch, sequence, −1] from the token ids' shape, built once and shared by every reshaped hidden state.
    private string BatchSequenceHidden(TeacherTap tap)
    {
        if (_batchSequenceHidden is not null)
        {
            return _batchSequenceHidden;
        }

        var ids = TapFinder.TokenIdsInput(_index) ?? throw TeacherErrors.NoTokenIdsForHiddenRows(_source, tap);
        var batchSequence = AddNode("Shape", [ids], Fresh("distill/taps/batch_sequence"));
        var minusOne = AddNode("Constant", [], Fresh("distill/taps/minus_one"), new AttributeProto
        {
            Name = "value",
            Type = AttributeProto.Types.AttributeType.Tensor,
            T = new TensorProto { DataType = (int)DataType.Int64, Dims = { 1 }, Int64Data = { -1 } },
        });
        return _batchSequenceHidden = AddNode("Concat", [batchSequence, minusOne], Fresh("distill/taps/batch_sequence_hidden"),
            new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 0 });
    }

    private string AddNode(string op, string[] inputs, string output, params AttributeProto[] attributes)
    {
        var name = $"distill/taps/{op}";
        for (var i = 2; !_nodeNames.Add(name); i++)
        {
            name = $"distill/taps/{op}_{i}";
        }

        var node = new NodeProto { OpType = op, Name = name, Output = { output } };
        node.Input.AddRange(inputs);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return output;
    }

    private string Fresh(string wanted)
    {
        var name = wanted;
        for (var i = 2; _index.IsNameTaken(name) || !_claimed.Add(name); i++)
        {
            name = $"{wanted}_{i}";
        }

        return name;
    }
}
