namespace Distill.Cache;

/// <summary>Where a cache build stands, reported after every batch.</summary>
/// <param name="RowsDone">Rows this process has run through the teacher so far.</param>
/// <param name="RowsToDo">Rows this process runs in all (its shards only; reused shards are not counted).</param>
/// <param name="Elapsed">Time since the build started.</param>
public readonly record struct TeacherCacheProgress(long RowsDone, long RowsToDo, TimeSpan Elapsed)
{
    /// <summary>Rows per second so far.</summary>
    public double RowsPerSecond => Elapsed.TotalSeconds > 0 ? RowsDone / Elapsed.TotalSeconds : 0;

    /// <summary>Estimated time to finish at the current rate; null before the first rows.</summary>
    public TimeSpan? Remaining => RowsDone > 0 ? TimeSpan.FromSeconds((RowsToDo - RowsDone) / RowsPerSecond) : null;
}
