using Microsoft.ML.Data;

namespace Distill.Core.Tests.MLNet;

/// <summary>One SST-2 row as ML.NET loads it from the TSV: the sentence and its label ("0" or "1").</summary>
public sealed class Sst2Row
{
    [LoadColumn(0)]
    public string Sentence { get; set; } = string.Empty;

    [LoadColumn(1)]
    public string Label { get; set; } = string.Empty;
}
