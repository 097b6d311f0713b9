using Microsoft.ML;
using Microsoft.ML.Data;

namespace Distill.MLNet.Internal;

/// <summary>A Distill transformer bound to one input schema (checked): what it outputs, and how it maps data and rows.</summary>
internal interface IBoundMapping
{
    DataViewSchema InputSchema { get; }

    DataViewSchema OutputSchema { get; }

    /// <summary>A lazy view of <paramref name="input"/> (whose schema is <see cref="InputSchema"/>) with the added columns.</summary>
    IDataView Transform(IDataView input);

    /// <summary>The row-to-row mapper a <c>PredictionEngine</c> runs one row at a time.</summary>
    IRowToRowMapper CreateRowMapper();
}
