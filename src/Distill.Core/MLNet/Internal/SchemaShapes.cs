using Microsoft.ML;
using Microsoft.ML.Data;

namespace Distill.MLNet.Internal;

/// <summary>Schema shapes: the output of an estimator, and the shape of a schema (what ML.NET's internal <c>SchemaShape.Create</c> gives).</summary>
internal static class SchemaShapes
{
    /// <summary>The input's columns, with <paramref name="added"/> replacing any input column of the same name.</summary>
    public static SchemaShape With(SchemaShape input, IEnumerable<SchemaShape.Column> added)
    {
        var columns = added.ToList();
        var names = columns.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        return new SchemaShape(input.Where(c => !names.Contains(c.Name)).Concat(columns));
    }

    /// <summary>The shape of the visible columns of <paramref name="schema"/>, with their annotations' shapes.</summary>
    public static SchemaShape Of(DataViewSchema schema) =>
        new(schema.Where(c => !c.IsHidden).Select(c => Column(c, Of(c.Annotations.Schema))));

    private static SchemaShape.Column Column(DataViewSchema.Column column, SchemaShape? annotations)
    {
        var facts = ColumnFacts.Of(column);
        return SchemaShapeColumns.Create(column.Name, facts.Kind, facts.ItemType, facts.IsKey, annotations);
    }
}
