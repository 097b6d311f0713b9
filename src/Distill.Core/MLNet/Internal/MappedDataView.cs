using Microsoft.ML;
using Microsoft.ML.Data;

namespace Distill.MLNet.Internal;

/// <summary>
/// The lazy output of a Distill transformer: the input's rows with the added columns, computed as cursors read them.
/// It does not shuffle (<see cref="CanShuffle"/> is false): its cursors read the input in its own order.
/// </summary>
internal sealed class MappedDataView<TIn, TOut> : IDataView
{
    private readonly IDataView _input;
    private readonly BoundMapping<TIn, TOut> _mapping;

    public MappedDataView(IDataView input, BoundMapping<TIn, TOut> mapping)
    {
        _input = input;
        _mapping = mapping;
    }

    public bool CanShuffle => false;

    public DataViewSchema Schema => _mapping.OutputSchema;

    public long? GetRowCount() => _input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new MappedCursor<TIn, TOut>(_input, _mapping, columnsNeeded);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];
}
