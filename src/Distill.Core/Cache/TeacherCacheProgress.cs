namespace Distill.Cache;

/// <summary>Where a cache build stands, reported after every batch.</summary>
/// <param name="RowsDone">Rows this process has run through the teacher so far.</param>
/// <param name="RowsToDo">Rows this process runs in all (its shards only; reused shards are not counted).</param>
/// <param name="Elapsed">Time since the build started.</param>
/// <param name="TokensDone">Tokens (row lengths summed) run so far: rows come shortest first, so tokens measure the
/// work better than rows do.</param>
/// <param name="TokensToDo">Tokens this process runs in all.</param>
public readonly record struct TeacherCacheProgress(long RowsDone, long RowsToDo, TimeSpan Elapsed, long TokensDone = 0, long TokensToDo = 0)
{
    /// <summary>Rows per second so far.</summary>
    public double RowsPerSecond => Elapsed.TotalSeconds > 0 ? RowsDone / Elapsed.TotalSeconds : 0;

    /// <summary>Estimated time to finish at the current rate of tokens; null before the first rows.</summary>
    public TimeSpan? Remaining => TokensDone > 0
        ? TimeSpan.FromSeconds(Elapsed.TotalSeconds * (TokensToDo - TokensDone) / TokensDone)
        : null;
}
