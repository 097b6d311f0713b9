using static TorchSharp.torch;

namespace Distill.Losses;

/// <summary>
/// Which teacher layer each student layer learns from, for the intermediate terms (attention, hidden states, value
/// relations, CNN stages). Layers are counted from 0.
/// <list type="bullet">
/// <item><c>uniform</c> (TinyBERT's g(m) = m·N/M): student layer i of M takes teacher layer ⌊(i+1)·N/M⌋ − 1 of N,
/// so 4 student layers over 12 teacher layers take 2, 5, 8 and 11.</item>
/// <item><c>last</c> (MiniLM): only the student's last layer, with the teacher's last layer.</item>
/// <item>explicit: a teacher layer for each student layer (<c>[2, 5, 8, 11]</c>), or any list of pairs.</item>
/// </list>
/// Hidden-state terms apply the map to layer outputs and pair the embedding outputs as well (TinyBERT).
/// </summary>
public sealed class LayerMap
{
    private readonly string _kind;
    private readonly IReadOnlyList<(int Student, int Teacher)>? _pairs;

    private LayerMap(string kind, IReadOnlyList<(int Student, int Teacher)>? pairs)
    {
        _kind = kind;
        _pairs = pairs;
    }

    /// <summary>Student layer i of M takes teacher layer ⌊(i+1)·N/M⌋ − 1 of N.</summary>
    public static LayerMap Uniform { get; } = new("uniform", null);

    /// <summary>The student's last layer takes the teacher's last layer; no other layer is used.</summary>
    public static LayerMap Last { get; } = new("last", null);

    /// <summary>Teacher layer for each student layer in order: element i is the teacher layer of student layer i.</summary>
    public static LayerMap Explicit(params int[] teacherLayers) =>
        Explicit(teacherLayers.Select((teacher, student) => (student, teacher)));

    /// <summary>Any list of (student layer, teacher layer) pairs; a student layer may appear once at most.</summary>
    public static LayerMap Explicit(IEnumerable<(int Student, int Teacher)> pairs)
    {
        var list = pairs.ToList();
        if (list.Count == 0)
        {
            throw new ArgumentException("layer map: an explicit map needs at least one (student, teacher) pair", nameof(pairs));
        }

        var repeated = list.GroupBy(p => p.Student).FirstOrDefault(g => g.Count() > 1);
        if (repeated is not null)
        {
            throw new ArgumentException($"layer map: student layer {repeated.Key} is mapped more than once", nameof(pairs));
        }

        return new LayerMap("explicit", list);
    }

    /// <summary>The (student, teacher) layer pairs for the given layer counts, checked against them.</summary>
    public IReadOnlyList<(int Student, int Teacher)> Pairs(int studentLayers, int teacherLayers)
    {
        if (studentLayers < 1 || teacherLayers < 1)
        {
            throw new ArgumentException(
                $"layer map: needs at least one layer on each side (student {studentLayers}, teacher {teacherLayers})");
        }

        switch (_kind)
        {
            case "uniform":
                return Enumerable.Range(0, studentLayers)
                    .Select(i => (i, (int)((long)(i + 1) * teacherLayers / studentLayers) - 1))
                    .Where(p => p.Item2 >= 0)
                    .ToList();
            case "last":
                return [(studentLayers - 1, teacherLayers - 1)];
            default:
                foreach (var (student, teacher) in _pairs!)
                {
                    if (student < 0 || student >= studentLayers)
                    {
                        throw new ArgumentException(
                            $"layer map {this}: student layer {student} does not exist (the student has layers 0..{studentLayers - 1})");
                    }

                    if (teacher < 0 || teacher >= teacherLayers)
                    {
                        throw new ArgumentException(
                            $"layer map {this}: teacher layer {teacher} does not exist (the teacher has layers 0..{teacherLayers - 1})");
                    }
                }

                return _pairs!;
        }
    }

    /// <summary><c>uniform</c>, <c>last</c>, or the explicit pairs as <c>[0→2, 1→5]</c>.</summary>
    public override string ToString() =>
        _pairs is null ? _kind : "[" + string.Join(", ", _pairs.Select(p => $"{p.Student}→{p.Teacher}")) + "]";

    /// <summary>Returns the teacher's tensor for a mapped layer, or an error saying the cache lacks that layer.</summary>
    internal static Tensor Present(IReadOnlyList<Tensor?> teacher, int layer, string term, string property)
    {
        if (layer >= teacher.Count || teacher[layer] is null)
        {
            throw new InvalidOperationException(
                $"Loss '{term}' maps a student layer to teacher layer {layer}, but LossInputs.{property} has nothing for " +
                $"that layer ({teacher.Count} entries): cache the teacher's taps for the layers the layer map uses");
        }

        return teacher[layer]!;
    }
}
