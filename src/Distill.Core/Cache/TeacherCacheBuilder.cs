using System.Diagnostics;
using System.Text.Json;
using Distill.Cache.Internal;
using Distill.Teacher;

namespace Distill.Cache;

/// <summary>
/// Runs a teacher over a transfer set and writes its outputs to a cache folder, shard by shard. The rows are sorted
/// by length (ties by position) and the sorted list is cut into shards, and each shard into batches: every batch is
/// padded only to its own longest row, as a globally length-bucketed loop would be. Each shard is a pure function of
/// the rows, the teacher and the options, so a build that was killed and resumed, or split over processes with
/// <see cref="ShardSelection"/>, ends with the same bytes as one uninterrupted build on the same machine.
/// </summary>
public sealed class TeacherCacheBuilder
{
    private readonly ITeacherModel _teacher;
    private readonly string _teacherPath;
    private readonly TeacherCacheOptions _options;

    /// <summary>Creates a builder for <paramref name="teacher"/> (loaded from <paramref name="teacherPath"/>).</summary>
    /// <exception cref="DistillException">The options are invalid.</exception>
    public TeacherCacheBuilder(ITeacherModel teacher, string teacherPath, TeacherCacheOptions options)
    {
        _teacher = teacher ?? throw new ArgumentNullException(nameof(teacher));
        _teacherPath = teacherPath;
        _options = options ?? throw new ArgumentNullException(nameof(options));
        var errors = options.Validate().ToList();
        if (errors.Count > 0)
        {
            throw CacheErrors.InvalidOptions(errors);
        }
    }

    /// <summary>Called after each shard is committed, with its index (progress displays, and tests that stop builds).</summary>
    public Action<int>? ShardCommitted { get; init; }

    /// <summary>The key the rows and description give, without building anything (for <c>--dry-run</c> plans).</summary>
    public string KeyFor(IReadOnlyList<TeacherRow> rows, IReadOnlyDictionary<string, string>? description = null) =>
        CacheKey.Compute(_teacher.ContentHash, rows, _options, description ?? new Dictionary<string, string>());

    /// <summary>
    /// Builds (or resumes, or finds) the cache of <paramref name="rows"/> under <paramref name="cacheRoot"/>, in the
    /// folder named by the content key. Shards already there and intact are kept; damaged ones are rebuilt.
    /// </summary>
    /// <param name="rows">The transfer set in cache order: position i is rows[i].</param>
    /// <param name="cacheRoot">Folder that holds caches, one subfolder per key.</param>
    /// <param name="description">What else the key must cover (tokenizer vocabulary hash, maximum length, ...).</param>
    /// <param name="selection">Which shards this process builds; default all.</param>
    /// <param name="progress">Receives progress after every batch.</param>
    /// <param name="cancellation">Stops the build between batches; the shard in progress is not written.</param>
    public TeacherCacheBuildResult Build(
        IReadOnlyList<TeacherRow> rows,
        string cacheRoot,
        IReadOnlyDictionary<string, string>? description = null,
        ShardSelection? selection = null,
        IProgress<TeacherCacheProgress>? progress = null,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            throw CacheErrors.EmptyTransferSet();
        }

        description ??= new Dictionary<string, string>();
        var chosen = selection ?? ShardSelection.All;
        var key = KeyFor(rows, description);
        var folder = Path.Combine(cacheRoot, key);
        Directory.CreateDirectory(folder);
        var manifest = File.Exists(Path.Combine(folder, TeacherCacheManifest.FileName))
            ? TeacherCacheManifest.Read(folder)
            : WriteManifest(folder, key, rows, description);

        var order = ShardLayout.Order(rows);
        var mine = Enumerable.Range(0, manifest.Shards).Where(chosen.Includes).ToList();
        var built = new List<int>();
        var reused = new List<int>();
        var rebuilt = new List<string>();
        var toDo = new List<int>();
        foreach (var shard in mine)
        {
            var path = Path.Combine(folder, ShardFormat.FileName(shard));
            foreach (var stale in Directory.EnumerateFiles(folder, ShardFormat.FileName(shard) + ".tmp-*"))
            {
                File.Delete(stale); // left by a build of this shard that was killed
            }

            if (!File.Exists(path))
            {
                toDo.Add(shard);
                continue;
            }

            var problem = Verify(path, shard, manifest);
            if (problem is null)
            {
                reused.Add(shard);
            }
            else
            {
                rebuilt.Add($"{ShardFormat.FileName(shard)}: {problem}");
                File.Delete(path);
                toDo.Add(shard);
            }
        }

        var watch = Stopwatch.StartNew();
        var rowsToDo = toDo.Sum(s => (long)ShardRows(manifest, s));
        var tokensToDo = toDo.Sum(s => ShardLayout.Slice(order, manifest, s).ToArray().Sum(p => (long)rows[p].Length));
        long rowsDone = 0;
        long tokensDone = 0;

        // A shard is written while the teacher runs the next one; it counts as built once it is on disk.
        (int Shard, Task Write)? pending = null;
        void Finish()
        {
            if (pending is { } previous)
            {
                previous.Write.GetAwaiter().GetResult();
                built.Add(previous.Shard);
                ShardCommitted?.Invoke(previous.Shard);
                pending = null;
            }
        }

        try
        {
            foreach (var shard in toDo)
            {
                var (table, data) = RunShard(manifest, rows, ShardLayout.Slice(order, manifest, shard), (done, tokens) =>
                {
                    rowsDone += done;
                    tokensDone += tokens;
                    progress?.Report(new TeacherCacheProgress(rowsDone, rowsToDo, watch.Elapsed, tokensDone, tokensToDo));
                }, cancellation);
                Finish();
                var path = Path.Combine(folder, ShardFormat.FileName(shard));
                pending = (shard, Task.Run(() => ShardFormat.Write(path, shard, table, manifest.Tensors.Count, manifest.ElementSize, data)));
            }

            Finish();
        }
        finally
        {
            // Stopped by an error or a cancellation: a shard already being written is still written whole.
            pending?.Write.Wait(TimeSpan.FromMinutes(5));
        }

        var complete = Enumerable.Range(0, manifest.Shards).All(s => File.Exists(Path.Combine(folder, ShardFormat.FileName(s))));
        return new TeacherCacheBuildResult
        {
            Key = key, Folder = folder, Built = built, Reused = reused, Rebuilt = rebuilt, Complete = complete,
        };
    }

    private static int ShardRows(TeacherCacheManifest manifest, int shard) => ShardLayout.Rows(manifest, shard);

    private static string? Verify(string path, int shard, TeacherCacheManifest manifest)
    {
        var (header, problem) = ShardFormat.ReadHeader(path);
        return problem
            ?? (header!.Shard != shard || header.Rows != ShardRows(manifest, shard) ? "holds other rows than the manifest says"
            : !ShardFormat.ChecksumMatches(path, header) ? "fails its checksum"
            : null);
    }

    private TeacherCacheManifest WriteManifest(string folder, string key, IReadOnlyList<TeacherRow> rows, IReadOnlyDictionary<string, string> description)
    {
        var manifest = new TeacherCacheManifest
        {
            Key = key,
            TeacherPath = _teacherPath,
            TeacherHash = _teacher.ContentHash,
            TeacherLayers = _teacher.LayerCount,
            Rows = rows.Count,
            RowsPerShard = _options.RowsPerShard,
            ElementType = _options.ElementType,
            Tensors = ProbeLayouts(rows[0]),
            Description = description,
            CreatedUtc = DateTimeOffset.UtcNow,
            DistillVersion = typeof(TeacherCacheBuilder).Assembly.GetName().Version?.ToString(3) ?? "0.0.0",
        };

        // Written beside and renamed into place: a manifest is whole or absent. Two processes of a split build may
        // race here; their manifests differ only in the time, and whichever lands first is kept.
        var path = Path.Combine(folder, TeacherCacheManifest.FileName);
        var temporary = $"{path}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";
        File.WriteAllText(temporary, JsonSerializer.Serialize(manifest, TeacherCacheManifest.Json));
        try
        {
            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            return TeacherCacheManifest.Read(folder);
        }
        finally
        {
            File.Delete(temporary);
        }

        return manifest;
    }

    /// <summary>Runs one row to learn each output's per-row shape, and checks it fits the tensor's kind.</summary>
    private List<CacheTensorLayout> ProbeLayouts(TeacherRow row)
    {
        var batch = BatchAssembler.Assemble([row], _options.FeatureShape);
        using var outputs = _teacher.Run(batch, _options.Tensors.Select(t => t.Source).ToList());
        var layouts = new List<CacheTensorLayout>();
        foreach (var spec in _options.Tensors)
        {
            var dims = outputs.Dims(spec.Source);
            var length = batch.Length;
            long[]? perRow = spec.Kind switch
            {
                CachedTensorKind.Logits when dims.Length == 2 => [dims[1]],
                CachedTensorKind.AttentionProbabilities when dims.Length == 4 && dims[2] == length && dims[3] == length =>
                    [dims[1], CacheTensorLayout.RowLength, CacheTensorLayout.RowLength],
                CachedTensorKind.HiddenState when dims.Length == 3 && dims[1] == length => [CacheTensorLayout.RowLength, dims[2]],
                CachedTensorKind.Fixed when dims.Length >= 2 => dims[1..],
                _ => null,
            };
            if (perRow is null)
            {
                throw CacheErrors.OutputLayoutMismatch(_teacherPath, spec, dims, length);
            }

            layouts.Add(new CacheTensorLayout(spec.Name, spec.Kind, perRow));
        }

        return layouts;
    }

    /// <summary>Runs the teacher over one shard's rows (positions in length order) and returns its row table and data.</summary>
    private (ShardRow[] Table, byte[] Data) RunShard(TeacherCacheManifest manifest, IReadOnlyList<TeacherRow> rows, ReadOnlyMemory<int> positions, Action<int, long> onBatch, CancellationToken cancellation)
    {
        // Every row's size follows from its length, so the shard's data is laid out before the teacher runs and each
        // row is encoded straight into its place.
        var table = new ShardRow[positions.Length];
        long offset = 0;
        for (var i = 0; i < table.Length; i++)
        {
            var position = positions.Span[i];
            var row = rows[position];
            var size = RowSlicer.RowBytes(manifest, row.Length);
            table[i] = new ShardRow(row.RowId, row.AugmentationId, row.Length, position, offset, size);
            offset += size;
        }

        var data = new byte[offset];
        var sources = _options.Tensors.Select(t => t.Source).ToList();

        // Rows are encoded between batches, not beside them: the teacher's threads fill the cores, and a thread of
        // ours running alongside delays their parallel sections by more than the encoding itself takes.
        for (var start = 0; start < table.Length; start += _options.BatchSize)
        {
            cancellation.ThrowIfCancellationRequested();
            var count = Math.Min(_options.BatchSize, table.Length - start);
            var batchRows = new List<TeacherRow>(count);
            for (var i = 0; i < count; i++)
            {
                batchRows.Add(rows[table[start + i].Position]);
            }

            var batch = BatchAssembler.Assemble(batchRows, _options.FeatureShape);
            using var outputs = _teacher.Run(batch, sources);
            for (var r = 0; r < count; r++)
            {
                var entry = table[start + r];
                RowSlicer.Encode(manifest, _options.Tensors, outputs, r, entry.Length, batch.Length, data.AsSpan((int)entry.DataOffset, (int)entry.DataLength));
            }

            onBatch(count, batchRows.Sum(r => (long)r.Length));
        }

        return (table, data);
    }
}
