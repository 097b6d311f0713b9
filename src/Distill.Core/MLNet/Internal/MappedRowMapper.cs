using Microsoft.ML;
using Microsoft.ML.Data;

namespace Distill.MLNet.Internal;

/// <summary>The row-to-row mapper of a Distill transformer: what <c>PredictionEngine</c> runs, one row at a time.</summary>
internal sealed class MappedRowMapper<TIn, TOut> : IRowToRowMapper
{
    private readonly BoundMapping<TIn, TOut> _mapping;

    public MappedRowMapper(BoundMapping<TIn, TOut> mapping)
    {
        _mapping = mapping;
    }

    public DataViewSchema InputSchema => _mapping.InputSchema;

    public DataViewSchema OutputSchema => _mapping.OutputSchema;

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
    {
        var needed = dependingColumns.ToList();
        var inputs = needed.Where(c => c.Index < InputSchema.Count).Select(c => InputSchema[c.Index]);
        if (_mapping.ActiveAdded(needed).Any(a => a))
        {
            inputs = inputs.Concat(_mapping.Reads);
        }

        return inputs.DistinctBy(c => c.Index).ToList();
    }

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(activeColumns);
        if (input.Schema != InputSchema)
        {
            throw new ArgumentException("The row's schema is not the one this mapper was made for; make the mapper with GetRowToRowMapper(row.Schema)", nameof(input));
        }

        return new MappedRow<TIn, TOut>(input, _mapping, activeColumns);
    }
}
