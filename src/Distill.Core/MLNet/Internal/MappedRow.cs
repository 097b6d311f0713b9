using Microsoft.ML;
using Microsoft.ML.Data;

namespace Distill.MLNet.Internal;

/// <summary>
/// One input row with a transformer's columns added, computed for that row alone when first asked for and kept
/// until the input moves on (its position changes). What a <c>PredictionEngine</c> reads.
/// </summary>
internal sealed class MappedRow<TIn, TOut> : DataViewRow
{
    private readonly DataViewRow _input;
    private readonly BoundMapping<TIn, TOut> _mapping;
    private readonly bool[] _active;
    private readonly Delegate?[] _getters;
    private readonly Func<TIn>? _reader;
    private long _position;
    private bool _computed;
    private TOut _current = default!;

    public MappedRow(DataViewRow input, BoundMapping<TIn, TOut> mapping, IEnumerable<DataViewSchema.Column> activeColumns)
    {
        _input = input;
        _mapping = mapping;
        _active = mapping.ActiveAdded(activeColumns);
        _getters = new Delegate?[_active.Length];
        _reader = _active.Any(a => a) ? mapping.CreateReader(input) : null;
    }

    public override DataViewSchema Schema => _mapping.OutputSchema;

    public override long Position => _input.Position;

    public override long Batch => _input.Batch;

    public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

    public override bool IsColumnActive(DataViewSchema.Column column) =>
        column.Index < _mapping.InputSchema.Count ? _input.IsColumnActive(_input.Schema[column.Index]) : _active[column.Index - _mapping.InputSchema.Count];

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) =>
        _mapping.Getter<TValue>(_input, column, _active, _getters, Current);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _input.Dispose();
        }

        base.Dispose(disposing);
    }

    private TOut Current()
    {
        if (!_computed || _position != _input.Position)
        {
            _current = _mapping.Compute([_reader!()])[0];
            _position = _input.Position;
            _computed = true;
        }

        return _current;
    }
}
