using Microsoft.ML;
using Microsoft.ML.Data;
using VectorKind = Microsoft.ML.SchemaShape.Column.VectorKind;

namespace Distill.MLNet.Internal;

/// <summary>
/// The columns a student adds: <c>Score</c> (class probabilities, with the label names as slot names) and
/// <c>PredictedLabel</c> (a key whose key values are the label names), and for two classes the binary-classification
/// columns <c>BinaryScore</c>, <c>Probability</c> and <c>BinaryPredictedLabel</c> (see <see cref="DistillColumnNames"/>).
/// </summary>
internal static class StudentOutputs
{
    public const string SlotNames = "SlotNames";
    public const string KeyValues = "KeyValues";

    public static IEnumerable<SchemaShape.Column> Shape(int classes)
    {
        var names = new SchemaShape([SchemaShapeColumns.Create(SlotNames, VectorKind.Vector, TextDataViewType.Instance)]);
        var keyValues = new SchemaShape([SchemaShapeColumns.Create(KeyValues, VectorKind.Vector, TextDataViewType.Instance)]);
        yield return SchemaShapeColumns.Create(DistillColumnNames.Score, VectorKind.Vector, NumberDataViewType.Single, annotations: names);
        yield return SchemaShapeColumns.Create(DistillColumnNames.PredictedLabel, VectorKind.Scalar, NumberDataViewType.UInt32, isKey: true, annotations: keyValues);
        if (classes == 2)
        {
            yield return SchemaShapeColumns.Create(DistillColumnNames.BinaryScore, VectorKind.Scalar, NumberDataViewType.Single);
            yield return SchemaShapeColumns.Create(DistillColumnNames.Probability, VectorKind.Scalar, NumberDataViewType.Single);
            yield return SchemaShapeColumns.Create(DistillColumnNames.BinaryPredictedLabel, VectorKind.Scalar, BooleanDataViewType.Instance);
        }
    }

    public static IReadOnlyList<AddedColumn> Columns(IReadOnlyList<string> labels)
    {
        var columns = new List<AddedColumn>
        {
            new(DistillColumnNames.Score, new VectorDataViewType(NumberDataViewType.Single, labels.Count), AddedColumn.Names(SlotNames, labels)),
            new(DistillColumnNames.PredictedLabel, new KeyDataViewType(typeof(uint), labels.Count), AddedColumn.Names(KeyValues, labels)),
        };
        if (labels.Count == 2)
        {
            columns.Add(new(DistillColumnNames.BinaryScore, NumberDataViewType.Single));
            columns.Add(new(DistillColumnNames.Probability, NumberDataViewType.Single));
            columns.Add(new(DistillColumnNames.BinaryPredictedLabel, BooleanDataViewType.Instance));
        }

        return columns;
    }

    /// <summary>The getter of added column <paramref name="index"/> (in <see cref="Columns"/>' order) over a row's probabilities.</summary>
    public static Delegate Getter(int index, Func<float[]> probabilities) => index switch
    {
        0 => (ValueGetter<VBuffer<float>>)((ref VBuffer<float> value) =>
        {
            var p = probabilities();
            var editor = VBufferEditor.Create(ref value, p.Length);
            p.CopyTo(editor.Values);
            value = editor.Commit();
        }),
        1 => (ValueGetter<uint>)((ref uint value) => value = (uint)ArgMax(probabilities()) + 1),
        2 => (ValueGetter<float>)((ref float value) => value = LogOdds(probabilities())),
        3 => (ValueGetter<float>)((ref float value) => value = probabilities()[1]),
        _ => (ValueGetter<bool>)((ref bool value) => value = ArgMax(probabilities()) == 1),
    };

    /// <summary>The first index of the largest probability.</summary>
    public static int ArgMax(float[] probabilities)
    {
        var best = 0;
        for (var i = 1; i < probabilities.Length; i++)
        {
            if (probabilities[i] > probabilities[best])
            {
                best = i;
            }
        }

        return best;
    }

    // ln p1 − ln p0 equals the logit margin z1 − z0; the floor keeps it finite when a float probability underflows.
    private static float LogOdds(float[] p) => (float)(Math.Log(Math.Max(p[1], 1e-38)) - Math.Log(Math.Max(p[0], 1e-38)));
}
