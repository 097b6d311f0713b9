using Microsoft.ML;
using Microsoft.ML.Data;

namespace Distill.MLNet.Internal;

/// <summary>
/// A cursor over an input with a transformer's columns added. When they are asked for and the transformer computes
/// batches, a second cursor over the same input (with only the columns the transformer reads) runs up to one batch
/// ahead: its rows are computed together, and the main cursor, which carries the input's own columns, reads the
/// results in step. ML.NET data views give the same rows in the same order to every cursor made without a random
/// source, which is what keeps the two in step.
/// </summary>
internal sealed class MappedCursor<TIn, TOut> : DataViewRowCursor
{
    private readonly BoundMapping<TIn, TOut> _mapping;
    private readonly DataViewRowCursor _main;
    private readonly DataViewRowCursor? _lead;
    private readonly Func<TIn>? _reader;
    private readonly bool[] _active;
    private readonly Delegate?[] _getters;
    private IReadOnlyList<TOut> _batch = [];
    private int _index;
    private long _position = -1;
    private bool _computed;
    private TOut _current = default!;

    public MappedCursor(IDataView input, BoundMapping<TIn, TOut> mapping, IEnumerable<DataViewSchema.Column> columnsNeeded)
    {
        _mapping = mapping;
        var needed = columnsNeeded.ToList();
        _active = mapping.ActiveAdded(needed);
        _getters = new Delegate?[_active.Length];
        var inputCount = mapping.InputSchema.Count;
        var passThrough = needed.Where(c => c.Index < inputCount).Select(c => input.Schema[c.Index]);
        var computes = _active.Any(a => a);
        var batched = computes && mapping.BatchSize > 1;
        _main = input.GetRowCursor(computes && !batched ? passThrough.Concat(mapping.Reads).DistinctBy(c => c.Index) : passThrough.DistinctBy(c => c.Index));
        if (batched)
        {
            _lead = input.GetRowCursor(mapping.Reads);
            _reader = mapping.CreateReader(_lead);
        }
        else if (computes)
        {
            _reader = mapping.CreateReader(_main);
        }
    }

    public override DataViewSchema Schema => _mapping.OutputSchema;

    public override long Position => _main.Position;

    public override long Batch => _main.Batch;

    public override ValueGetter<DataViewRowId> GetIdGetter() => _main.GetIdGetter();

    public override bool IsColumnActive(DataViewSchema.Column column) =>
        column.Index < _mapping.InputSchema.Count ? _main.IsColumnActive(_main.Schema[column.Index]) : _active[column.Index - _mapping.InputSchema.Count];

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) =>
        _mapping.Getter<TValue>(_main, column, _active, _getters, Current);

    public override bool MoveNext()
    {
        if (!_main.MoveNext())
        {
            return false;
        }

        if (_lead is not null && ++_index >= _batch.Count)
        {
            var rows = new List<TIn>(_mapping.BatchSize);
            while (rows.Count < _mapping.BatchSize && _lead.MoveNext())
            {
                rows.Add(_reader!());
            }

            if (rows.Count == 0)
            {
                throw new InvalidOperationException(
                    $"The input gave a second cursor fewer rows than the first (row {_main.Position} has no match); Distill's transformers read their input twice, so it must give the same rows to every cursor");
            }

            _batch = _mapping.Compute(rows);
            _index = 0;
        }

        return true;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _main.Dispose();
            _lead?.Dispose();
        }

        base.Dispose(disposing);
    }

    private TOut Current()
    {
        if (_lead is not null)
        {
            return _batch[_index];
        }

        if (!_computed || _position != _main.Position)
        {
            _current = _mapping.Compute([_reader!()])[0];
            _position = _main.Position;
            _computed = true;
        }

        return _current;
    }
}
