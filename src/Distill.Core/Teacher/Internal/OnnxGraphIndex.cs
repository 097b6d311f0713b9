using Onnx;

namespace Distill.Teacher.Internal;

/// <summary>
/// Look-ups over one ONNX graph that the tap search needs: who produces and who consumes each tensor, which tensors
/// are constants, which depend on a graph input, and a topological order of the nodes.
/// </summary>
internal sealed class OnnxGraphIndex
{
    private readonly Dictionary<string, int> _producer = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<int>> _consumers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TensorProto> _initializers = new(StringComparer.Ordinal);
    private readonly HashSet<string> _dynamic = new(StringComparer.Ordinal);
    private readonly int[] _position;

    public OnnxGraphIndex(GraphProto graph)
    {
        Graph = graph;
        foreach (var initializer in graph.Initializer)
        {
            _initializers[initializer.Name] = initializer;
        }

        // Models from IR < 4 list initializers among the inputs too; those are weights, not inputs to feed.
        Inputs = graph.Input.Where(input => !_initializers.ContainsKey(input.Name)).ToList();
        Outputs = graph.Output.Select(output => output.Name).ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < graph.Node.Count; i++)
        {
            foreach (var output in graph.Node[i].Output.Where(name => name.Length > 0))
            {
                _producer[output] = i;
            }

            foreach (var input in graph.Node[i].Input.Where(name => name.Length > 0))
            {
                if (!_consumers.TryGetValue(input, out var list))
                {
                    _consumers[input] = list = [];
                }

                list.Add(i);
            }
        }

        Order = TopologicalOrder();
        _position = new int[graph.Node.Count];
        for (var i = 0; i < Order.Count; i++)
        {
            _position[Order[i]] = i;
        }

        foreach (var input in Inputs)
        {
            _dynamic.Add(input.Name);
        }

        foreach (var node in Order.Select(i => graph.Node[i]))
        {
            if (node.Input.Any(_dynamic.Contains))
            {
                _dynamic.UnionWith(node.Output.Where(name => name.Length > 0));
            }
        }
    }

    public GraphProto Graph { get; }

    /// <summary>Graph inputs that must be fed (initializers listed as inputs left out).</summary>
    public IReadOnlyList<ValueInfoProto> Inputs { get; }

    public IReadOnlySet<string> Outputs { get; }

    /// <summary>Node indices in topological order; ties keep the file's order.</summary>
    public IReadOnlyList<int> Order { get; }

    public NodeProto Node(int index) => Graph.Node[index];

    /// <summary>Position of a node in <see cref="Order"/>.</summary>
    public int Position(int node) => _position[node];

    /// <summary>The node that produces <paramref name="tensor"/>, or null for inputs, initializers and unknown names.</summary>
    public NodeProto? Producer(string tensor) => _producer.TryGetValue(tensor, out var index) ? Graph.Node[index] : null;

    public int? ProducerIndex(string tensor) => _producer.TryGetValue(tensor, out var index) ? index : null;

    public IReadOnlyList<int> Consumers(string tensor) => _consumers.TryGetValue(tensor, out var list) ? list : [];

    public TensorProto? Initializer(string tensor) => _initializers.GetValueOrDefault(tensor);

    public bool IsInitializer(string tensor) => _initializers.ContainsKey(tensor);

    /// <summary>True when the tensor's value depends on a graph input (an activation, not a weight or a constant).</summary>
    public bool IsDynamic(string tensor) => _dynamic.Contains(tensor);

    /// <summary>True when the name is already used by an input, an initializer, an output or a node output.</summary>
    public bool IsNameTaken(string name) =>
        _producer.ContainsKey(name) || _initializers.ContainsKey(name) || Graph.Input.Any(i => i.Name == name) || Outputs.Contains(name);

    /// <summary>Ops that carry a tensor's values to another shape or type without computing anything.</summary>
    public static readonly IReadOnlySet<string> LayoutOps = new HashSet<string>(StringComparer.Ordinal) { "Reshape", "Identity", "Squeeze", "Unsqueeze", "Flatten", "Cast" };

    /// <summary>
    /// The tensor a chain of layout-only ops (<see cref="LayoutOps"/>, and Transposes when asked) starts from, following
    /// at most 8 of them: a hidden state reshaped to rows and back is still that hidden state.
    /// </summary>
    public string Origin(string tensor, bool throughTransposes = false)
    {
        for (var step = 0; step < 8 && Producer(tensor) is { } node && node.Input.Count > 0
            && (LayoutOps.Contains(node.OpType) || (throughTransposes && node.OpType == "Transpose")); step++)
        {
            tensor = node.Input[0];
        }

        return tensor;
    }

    /// <summary>Every node reachable forward from <paramref name="node"/>'s outputs, the node itself left out.</summary>
    public HashSet<int> Descendants(int node)
    {
        var seen = new HashSet<int>();
        var stack = new Stack<int>();
        stack.Push(node);
        while (stack.Count > 0)
        {
            foreach (var output in Graph.Node[stack.Pop()].Output)
            {
                foreach (var consumer in Consumers(output))
                {
                    if (seen.Add(consumer))
                    {
                        stack.Push(consumer);
                    }
                }
            }
        }

        return seen;
    }

    /// <summary>Every node <paramref name="node"/> depends on, the node itself left out.</summary>
    public HashSet<int> Ancestors(int node)
    {
        var seen = new HashSet<int>();
        var stack = new Stack<int>();
        stack.Push(node);
        while (stack.Count > 0)
        {
            foreach (var input in Graph.Node[stack.Pop()].Input)
            {
                if (ProducerIndex(input) is { } producer && seen.Add(producer))
                {
                    stack.Push(producer);
                }
            }
        }

        return seen;
    }

    // ONNX requires nodes in topological order, but not every tool writes them so; Kahn's algorithm with the file's
    // order as tie-breaker returns the file's order whenever it is already valid.
    private List<int> TopologicalOrder()
    {
        var count = Graph.Node.Count;
        var waiting = new int[count];
        for (var i = 0; i < count; i++)
        {
            waiting[i] = Graph.Node[i].Input.Count(input => input.Length > 0 && _producer.ContainsKey(input));
        }

        var ready = new PriorityQueue<int, int>();
        for (var i = 0; i < count; i++)
        {
            if (waiting[i] == 0)
            {
                ready.Enqueue(i, i);
            }
        }

        var order = new List<int>(count);
        while (ready.TryDequeue(out var node, out _))
        {
            order.Add(node);
            foreach (var output in Graph.Node[node].Output.Where(name => name.Length > 0))
            {
                foreach (var consumer in Consumers(output))
                {
                    // A node that reads the same tensor twice (Mul(x, x)) was counted twice.
                    if (--waiting[consumer] == 0)
                    {
                        ready.Enqueue(consumer, consumer);
                    }
                }
            }
        }

        // A cycle (not valid ONNX) leaves nodes behind: append them in file order rather than lose them.
        if (order.Count < count)
        {
            var placed = order.ToHashSet();
            order.AddRange(Enumerable.Range(0, count).Where(i => !placed.Contains(i)));
        }

        return order;
    }
}
