using Microsoft.ML;
using Microsoft.ML.Data;
using VectorKind = Microsoft.ML.SchemaShape.Column.VectorKind;

namespace Distill.MLNet.Internal;

/// <summary>
/// The visible columns of an input, from a schema or a schema shape, with the checks Distill's estimators and
/// transformers make on them. Each check throws <see cref="SchemaErrors"/>' errors, naming the option that sets the
/// column's name.
/// </summary>
internal sealed class InputColumns
{
    private readonly Dictionary<string, ColumnFacts> _columns;
    private readonly List<string> _order;

    private InputColumns(IEnumerable<ColumnFacts> columns)
    {
        _columns = new Dictionary<string, ColumnFacts>(StringComparer.Ordinal);
        _order = [];
        foreach (var column in columns)
        {
            if (_columns.ContainsKey(column.Name))
            {
                _order.Remove(column.Name);
            }

            _columns[column.Name] = column;
            _order.Add(column.Name);
        }
    }

    public static InputColumns Of(DataViewSchema schema) =>
        new(schema.Where(c => !c.IsHidden).Select(ColumnFacts.Of));

    public static InputColumns Of(SchemaShape shape) =>
        new(shape.Select(ColumnFacts.Of));

    /// <summary>The column names, in order, for messages: <c>Label, Text</c>, or <c>no columns</c>.</summary>
    public string Names => _order.Count == 0 ? "no columns" : "columns " + string.Join(", ", _order);

    public ColumnFacts? Find(string? name) => name is not null && _columns.TryGetValue(name, out var column) ? column : null;

    public ColumnFacts Require(string role, string name, string option) =>
        Find(name) ?? throw SchemaErrors.Missing(role, name, Names, $"set {option} to the column that holds the {role}");

    /// <summary>A scalar text column.</summary>
    public ColumnFacts Text(string role, string name, string option)
    {
        var column = Require(role, name, option);
        if (column.Kind != VectorKind.Scalar || column.IsKey || column.ItemType is not TextDataViewType)
        {
            throw SchemaErrors.Mismatch(role, name, "String", column.TypeName, $"set {option} to a text column, or convert the column to text first");
        }

        return column;
    }

    /// <summary>A vector of token ids (or mask or segment ids): Int64 items, any length.</summary>
    public ColumnFacts Tokens(string role, string name, string option) => CheckTokens(role, Require(role, name, option));

    /// <summary>Like <see cref="Tokens"/>, for a column the input may lack: null when it is not there.</summary>
    public ColumnFacts? OptionalTokens(string role, string? name) => Find(name) is { } column ? CheckTokens(role, column) : null;

    /// <summary>A vector of floats of known size (equal to <paramref name="size"/> when given and the schema knows it).</summary>
    public ColumnFacts Floats(string role, string name, string option, int? size, string sizeFix) =>
        CheckFloats(role, Require(role, name, option), option, size, sizeFix);

    /// <summary>Like <see cref="Floats"/>, for a column the input may lack: null when it is not there.</summary>
    public ColumnFacts? OptionalFloats(string role, string? name, string option, int? size, string sizeFix) =>
        Find(name) is { } column ? CheckFloats(role, column, option, size, sizeFix) : null;

    /// <summary>A scalar key column (as MapValueToKey makes), with <paramref name="count"/> values when given and known.</summary>
    public ColumnFacts Key(string role, string name, string option, int? count, string countFix)
    {
        var column = Require(role, name, option);
        if (column.Kind != VectorKind.Scalar || !column.IsKey)
        {
            throw SchemaErrors.Mismatch(role, name, "Key", column.TypeName,
                $"map the labels to keys first, e.g. mlContext.Transforms.Conversion.MapValueToKey(\"{name}\")");
        }

        if (count is { } want && column.KeyCount is { } have && have != (ulong)want)
        {
            throw SchemaErrors.Mismatch(role, name, $"Key with {want} values", $"Key with {have} values", countFix);
        }

        return column;
    }

    private static ColumnFacts CheckTokens(string role, ColumnFacts column)
    {
        if (column.Kind == VectorKind.Scalar || column.IsKey || column.ItemType != NumberDataViewType.Int64)
        {
            throw SchemaErrors.Mismatch(role, column.Name, "Vector<Int64>", column.TypeName,
                $"give the {role} as a vector of Int64, as Distillation().Tokenize(...) writes them");
        }

        return column;
    }

    private static ColumnFacts CheckFloats(string role, ColumnFacts column, string option, int? size, string sizeFix)
    {
        var expected = size is { } n ? $"Vector<Single, {n}>" : "Vector<Single> of known size";
        if (column.Kind != VectorKind.Vector || column.IsKey || column.ItemType != NumberDataViewType.Single)
        {
            throw SchemaErrors.Mismatch(role, column.Name, expected, column.TypeName,
                column.Kind == VectorKind.VariableVector && column.ItemType == NumberDataViewType.Single
                    ? "give every row the same length (a vector of known size)"
                    : $"set {option} to a vector of Single, or convert the column first");
        }

        if (size is { } want && column.Size is { } have && have != want)
        {
            throw SchemaErrors.Mismatch(role, column.Name, expected, column.TypeName, sizeFix);
        }

        return column;
    }
}
