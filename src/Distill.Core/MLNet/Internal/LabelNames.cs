using System.Globalization;
using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Distill.MLNet.Internal;

/// <summary>The class names of a key label column: its key values as text, or the label ids when it has none.</summary>
internal static class LabelNames
{
    private static readonly MethodInfo ReadValues = typeof(LabelNames).GetMethod(nameof(Values), BindingFlags.NonPublic | BindingFlags.Static)!;

    public static IReadOnlyList<string> Of(DataViewSchema.Column label, int count)
    {
        var keyValues = label.Annotations.Schema.GetColumnOrNull(StudentOutputs.KeyValues);
        if (keyValues?.Type is not VectorDataViewType { ItemType: var item })
        {
            return Enumerable.Range(0, count).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToList();
        }

        var names = (IReadOnlyList<string>)ReadValues.MakeGenericMethod(item.RawType).Invoke(null, [label])!;
        if (names.Count != count)
        {
            throw MLNetErrors.LabelKeyValueCount(label.Name, names.Count, count);
        }

        var empty = names.Select((name, i) => (name, i)).FirstOrDefault(n => string.IsNullOrWhiteSpace(n.name));
        if (empty.name is not null)
        {
            throw MLNetErrors.EmptyLabelName(label.Name, empty.i + 1);
        }

        var repeated = names.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (repeated is not null)
        {
            throw MLNetErrors.RepeatedLabelName(label.Name, repeated.Key, repeated.Count());
        }

        return names;
    }

    private static IReadOnlyList<string> Values<T>(DataViewSchema.Column label)
    {
        VBuffer<T> values = default;
        label.GetKeyValues(ref values);
        return values.DenseValues().Select(v => Convert.ToString(v, CultureInfo.InvariantCulture) ?? string.Empty).ToList();
    }
}
