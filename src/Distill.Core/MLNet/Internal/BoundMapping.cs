using Microsoft.ML;
using Microsoft.ML.Data;

namespace Distill.MLNet.Internal;

/// <summary>
/// The computation of a Distill transformer bound to one input schema. <typeparamref name="TIn"/> is what it reads
/// from one row (a copy, so that rows can be gathered into batches); <typeparamref name="TOut"/> is what it computes
/// for one row, from which each added column's getter reads. <see cref="IDataView"/>s computed by
/// <see cref="Transform"/> compute <see cref="BatchSize"/> rows at a time; the row mapper, one row at a time. Either
/// way the added columns are computed only when one of them is asked for.
/// </summary>
internal abstract class BoundMapping<TIn, TOut> : IBoundMapping
{
    protected BoundMapping(DataViewSchema inputSchema, IReadOnlyList<AddedColumn> added, IReadOnlyList<DataViewSchema.Column> reads, int batchSize)
    {
        InputSchema = inputSchema;
        Added = added;
        Reads = reads;
        BatchSize = Math.Max(1, batchSize);
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);
        foreach (var column in added)
        {
            builder.AddColumn(column.Name, column.Type, column.Annotations);
        }

        OutputSchema = builder.ToSchema();
    }

    public DataViewSchema InputSchema { get; }

    public DataViewSchema OutputSchema { get; }

    /// <summary>The added columns; in the output they follow every input column, from index <c>InputSchema.Count</c>.</summary>
    public IReadOnlyList<AddedColumn> Added { get; }

    /// <summary>The input columns the added columns are computed from.</summary>
    public IReadOnlyList<DataViewSchema.Column> Reads { get; }

    /// <summary>Rows computed together when a whole data view is transformed.</summary>
    public int BatchSize { get; }

    /// <summary>A function that copies the inputs of the row <paramref name="row"/> is on; <see cref="Reads"/> are active in it.</summary>
    public abstract Func<TIn> CreateReader(DataViewRow row);

    /// <summary>The outputs of <paramref name="rows"/>, in order.</summary>
    public abstract IReadOnlyList<TOut> Compute(IReadOnlyList<TIn> rows);

    /// <summary>A <c>ValueGetter</c> of added column <paramref name="index"/>, reading the current row's output.</summary>
    public abstract Delegate CreateGetter(int index, Func<TOut> current);

    public IDataView Transform(IDataView input) => new MappedDataView<TIn, TOut>(input, this);

    public IRowToRowMapper CreateRowMapper() => new MappedRowMapper<TIn, TOut>(this);

    /// <summary>Whether any added column is among <paramref name="columns"/> (output columns).</summary>
    public bool[] ActiveAdded(IEnumerable<DataViewSchema.Column> columns)
    {
        var active = new bool[Added.Count];
        foreach (var column in columns)
        {
            if (column.Index >= InputSchema.Count && column.Index < OutputSchema.Count)
            {
                active[column.Index - InputSchema.Count] = true;
            }
        }

        return active;
    }

    /// <summary>The getter of output column <paramref name="column"/>: the input's for input columns, else the added one's.</summary>
    public ValueGetter<TValue> Getter<TValue>(DataViewRow input, DataViewSchema.Column column, bool[] active, Delegate?[] getters, Func<TOut> current)
    {
        if (column.Index < InputSchema.Count)
        {
            return input.GetGetter<TValue>(input.Schema[column.Index]);
        }

        var index = column.Index - InputSchema.Count;
        if (index >= Added.Count || !active[index])
        {
            throw new InvalidOperationException($"Column '{column.Name}' is not active in this row; ask for it when making the cursor or row");
        }

        getters[index] ??= CreateGetter(index, current);
        return getters[index] as ValueGetter<TValue> ?? throw new InvalidOperationException(
            $"Invalid TValue in GetGetter: '{typeof(TValue)}', expected type: '{Added[index].Type.RawType}'.");
    }
}
