using Microsoft.ML;
using Microsoft.ML.Data;
using VectorKind = Microsoft.ML.SchemaShape.Column.VectorKind;

namespace Distill.MLNet.Internal;

/// <summary>
/// What the schema checks need to know of one input column, read alike from a <see cref="DataViewSchema"/> (which
/// knows vector sizes and key counts) and from a <see cref="SchemaShape"/> (which does not).
/// </summary>
/// <param name="Name">The column name.</param>
/// <param name="Kind">Scalar, vector of known size, or vector of variable size.</param>
/// <param name="ItemType">The item type; for keys, the raw type (UInt32).</param>
/// <param name="IsKey">Whether the items are keys.</param>
/// <param name="Size">The vector size, when known (schemas only).</param>
/// <param name="KeyCount">The number of key values, when known (schemas only).</param>
internal sealed record ColumnFacts(string Name, VectorKind Kind, DataViewType ItemType, bool IsKey, int? Size, ulong? KeyCount)
{
    public static ColumnFacts Of(DataViewSchema.Column column)
    {
        var type = column.Type;
        var kind = VectorKind.Scalar;
        int? size = null;
        if (type is VectorDataViewType vector)
        {
            kind = vector.IsKnownSize ? VectorKind.Vector : VectorKind.VariableVector;
            size = vector.IsKnownSize ? vector.Size : null;
            type = vector.ItemType;
        }

        if (type is KeyDataViewType key)
        {
            return new ColumnFacts(column.Name, kind, RawKeyType(key), true, size, key.Count);
        }

        return new ColumnFacts(column.Name, kind, type, false, size, null);
    }

    public static ColumnFacts Of(SchemaShape.Column column) =>
        new(column.Name, column.Kind, column.ItemType, column.IsKey, null, null);

    /// <summary>The type as ML.NET prints it: <c>String</c>, <c>Single</c>, <c>Key</c>, <c>Vector&lt;Int64&gt;</c>, <c>Vector&lt;Single, 2&gt;</c>.</summary>
    public string TypeName
    {
        get
        {
            var item = IsKey ? "Key" : ItemType.ToString() ?? "?";
            return Kind switch
            {
                VectorKind.Scalar => item,
                _ when Size is { } size => $"Vector<{item}, {size}>",
                _ => $"Vector<{item}>",
            };
        }
    }

    private static DataViewType RawKeyType(KeyDataViewType key) =>
        key.RawType == typeof(byte) ? NumberDataViewType.Byte
        : key.RawType == typeof(ushort) ? NumberDataViewType.UInt16
        : key.RawType == typeof(ulong) ? NumberDataViewType.UInt64
        : NumberDataViewType.UInt32;
}
