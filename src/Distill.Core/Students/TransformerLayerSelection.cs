using Distill.Students.Internal;

namespace Distill.Students;

/// <summary>
/// Initialises a shallower transformer from chosen layers of a deeper one, as DistilBERT (Sanh et al. 2019, arXiv
/// 1910.01108) initialises its student from every other layer of BERT. The API form of a recipe's
/// <c>from: teacher, layers: [0, 2, 4, ...]</c>.
/// </summary>
public static class TransformerLayerSelection
{
    /// <summary>DistilBERT's choice for a teacher of <paramref name="teacherLayers"/> layers: 0, 2, 4, ... (half of them, rounded up).</summary>
    public static IReadOnlyList<int> EveryOtherLayer(int teacherLayers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(teacherLayers, 1);
        return Enumerable.Range(0, (teacherLayers + 1) / 2).Select(i => 2 * i).ToArray();
    }

    /// <summary>
    /// A new student with the teacher's settings but <c>layers.Count</c> layers: the embeddings, the chosen encoder
    /// layers in the order given (student layer k is teacher layer <c>layers[k]</c>), the pooler, and the classifier
    /// when the label counts match (otherwise it is newly initialised). The student is on the CPU, in training mode;
    /// the teacher is not changed.
    /// </summary>
    /// <param name="teacher">The model to copy from, on any device.</param>
    /// <param name="layers">Teacher layer indices, from 0, each at most once.</param>
    /// <param name="numLabels">The student's class count. Default: the teacher's.</param>
    /// <exception cref="DistillException">An index is out of range or repeated, or the list is empty.</exception>
    public static TransformerStudent CreateStudent(TransformerStudent teacher, IReadOnlyList<int> layers, int? numLabels = null)
    {
        ArgumentNullException.ThrowIfNull(teacher);
        ArgumentNullException.ThrowIfNull(layers);
        var teacherLayers = teacher.Settings.Layers;
        CheckLayers(layers, teacherLayers);

        var options = teacher.Settings with { Layers = layers.Count, NumLabels = numLabels ?? teacher.NumLabels };
        var student = (TransformerStudent)options.CreateModel();
        try
        {
            var studentLayerOf = layers.Select((teacherLayer, k) => (teacherLayer, k)).ToDictionary(p => p.teacherLayer, p => p.k);
            var copyClassifier = options.NumLabels == teacher.NumLabels;
            string? ToStudentKey(string teacherKey)
            {
                if (BertWeightNames.TryParseLayerKey(teacherKey, out var layer, out var rest))
                {
                    return studentLayerOf.TryGetValue(layer, out var k) ? BertWeightNames.LayerKey(k, rest) : null;
                }

                return copyClassifier || !teacherKey.StartsWith("classifier.", StringComparison.Ordinal) ? teacherKey : null;
            }

            // Same settings, so shapes always agree; the fix text is for completeness only.
            var copy = StateDictCopy.Plan(student, teacher.state_dict(), "teacher", ToStudentKey, "the teacher and student settings differ");
            copy.Apply();
            return student;
        }
        catch
        {
            student.Dispose();
            throw;
        }
    }

    private static void CheckLayers(IReadOnlyList<int> layers, int teacherLayers)
    {
        if (layers.Count == 0)
        {
            throw StudentErrors.NoLayersChosen(teacherLayers);
        }

        var problems = new List<string>();
        for (var k = 0; k < layers.Count; k++)
        {
            if (layers[k] < 0 || layers[k] >= teacherLayers)
            {
                problems.Add($"layers[{k}] is {layers[k]}, out of range for a teacher of {teacherLayers} layers (0 to {teacherLayers - 1})");
            }
        }

        foreach (var repeated in layers.Select((layer, k) => (layer, k)).GroupBy(p => p.layer).Where(g => g.Count() > 1))
        {
            problems.Add($"layers lists teacher layer {repeated.Key} {repeated.Count()} times (at {string.Join(", ", repeated.Select(p => p.k))}); each layer can be copied once");
        }

        if (problems.Count > 0)
        {
            throw StudentErrors.BadLayers(problems, layers);
        }
    }
}
