using Microsoft.ML;

namespace Distill.MLNet.Internal;

/// <summary>Output schema shapes: the input's columns, with added ones replacing any input column of the same name.</summary>
internal static class SchemaShapes
{
    public static SchemaShape With(SchemaShape input, IEnumerable<SchemaShape.Column> added)
    {
        var columns = added.ToList();
        var names = columns.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        return new SchemaShape(input.Where(c => !names.Contains(c.Name)).Concat(columns));
    }
}
