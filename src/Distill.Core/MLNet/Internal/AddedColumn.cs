using Microsoft.ML;
using Microsoft.ML.Data;

namespace Distill.MLNet.Internal;

/// <summary>A column a Distill transformer adds to its input: name, type, annotations (slot names, key values).</summary>
internal sealed record AddedColumn(string Name, DataViewType Type, DataViewSchema.Annotations? Annotations = null)
{
    /// <summary>Annotations holding <paramref name="names"/> as the <c>kind</c> annotation (<c>SlotNames</c>, <c>KeyValues</c>).</summary>
    public static DataViewSchema.Annotations Names(string kind, IReadOnlyList<string> names)
    {
        var values = names.Select(n => n.AsMemory()).ToArray();
        var builder = new DataViewSchema.Annotations.Builder();
        builder.Add(kind, new VectorDataViewType(TextDataViewType.Instance, values.Length),
            (ValueGetter<VBuffer<ReadOnlyMemory<char>>>)((ref VBuffer<ReadOnlyMemory<char>> value) =>
                value = new VBuffer<ReadOnlyMemory<char>>(values.Length, (ReadOnlyMemory<char>[])values.Clone())));
        return builder.ToAnnotations();
    }
}
