using System.Runtime.InteropServices;
using System.Buffers;
using Distill.Cache.Internal;
using Distill.Metrics;
using static TorchSharp.torch;

namespace Distill.Cache;

/// <summary>
/// A complete teacher cache opened for reading. Opening reads every shard's header and row table (small) to index
/// the rows by position; a shard's data is memory-mapped and verified against its checksum the first time one of its
/// rows is read (a damaged shard is an error, never read). Rows are decoded straight from the mapping.
/// </summary>
public sealed class TeacherCache : IDisposable
{
    private readonly MappedShard?[] _shards;
    private readonly ShardHeader[] _headers;
    private readonly ShardRow[][] _tables;
    private readonly int[] _shardOf;
    private readonly int[] _slotOf;
    private readonly bool _verify;
    private readonly object _lock = new();
    private Dictionary<(long, int), int>? _positions;

    private TeacherCache(string folder, TeacherCacheManifest manifest, bool verify)
    {
        Folder = folder;
        Manifest = manifest;
        _verify = verify;
        _shards = new MappedShard?[manifest.Shards];
        _headers = new ShardHeader[manifest.Shards];
        _tables = new ShardRow[manifest.Shards][];
        _shardOf = new int[manifest.Rows];
        _slotOf = new int[manifest.Rows];
        Array.Fill(_shardOf, -1);
        for (var shard = 0; shard < manifest.Shards; shard++)
        {
            var path = ShardPath(shard);
            _headers[shard] = MappedShard.CheckHeader(path, shard, ShardLayout.Rows(manifest, shard), manifest.ElementSize);
            _tables[shard] = ShardFormat.ReadRows(path, _headers[shard]);
            for (var slot = 0; slot < _tables[shard].Length; slot++)
            {
                // Every position must be in exactly one shard: a damaged table shows up here, before it misleads a read.
                var position = _tables[shard][slot].Position;
                if ((uint)position >= (uint)manifest.Rows)
                {
                    throw CacheErrors.ShardPositionOutside(path, position);
                }

                if (_shardOf[position] >= 0)
                {
                    throw CacheErrors.ShardPositionRepeated(path, position, _shardOf[position]);
                }

                _shardOf[position] = shard;
                _slotOf[position] = slot;
            }
        }
    }

    /// <summary>The cache folder.</summary>
    public string Folder { get; }

    /// <summary>What the cache holds.</summary>
    public TeacherCacheManifest Manifest { get; }

    /// <summary>Number of rows.</summary>
    public int Rows => Manifest.Rows;

    /// <summary>
    /// Opens the cache in <paramref name="folder"/>. Every shard must be present; <paramref name="verify"/> (default
    /// true) checks each shard's checksum when it is first read.
    /// </summary>
    /// <exception cref="DistillException">The folder is not a cache, or shards are missing.</exception>
    public static TeacherCache Open(string folder, bool verify = true)
    {
        var manifest = TeacherCacheManifest.Read(folder);
        var missing = Enumerable.Range(0, manifest.Shards).Where(s => !File.Exists(Path.Combine(folder, ShardFormat.FileName(s)))).ToList();
        if (missing.Count > 0)
        {
            throw CacheErrors.Incomplete(folder, missing, manifest.Shards);
        }

        return new TeacherCache(folder, manifest, verify);
    }

    /// <summary>Summarises a cache folder, complete or not, without reading shards.</summary>
    public static TeacherCacheSummary Inspect(string folder)
    {
        var manifest = TeacherCacheManifest.Read(folder);
        var shards = Enumerable.Range(0, manifest.Shards).Select(s => new FileInfo(Path.Combine(folder, ShardFormat.FileName(s)))).Where(f => f.Exists).ToList();
        return new TeacherCacheSummary { Manifest = manifest, Folder = folder, ShardsPresent = shards.Count, Bytes = shards.Sum(f => f.Length) };
    }

    /// <summary>
    /// Copies into <paramref name="target"/> every shard of the <paramref name="sources"/> (the folders of a split
    /// build) that the target lacks, after checking that all are the same cache (same key) and that each shard
    /// verifies. Shards are copied to a temporary name and renamed, like a build writes them.
    /// </summary>
    /// <returns>The summary of the merged cache.</returns>
    /// <exception cref="DistillException">The folders hold different caches, or a shard is damaged.</exception>
    public static TeacherCacheSummary Merge(string target, IReadOnlyList<string> sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        var manifests = sources.Select(s => (Folder: s, Manifest: TeacherCacheManifest.Read(s))).ToList();
        var key = manifests.Count > 0 ? manifests[0].Manifest.Key : throw new ArgumentException("sources: name at least one cache folder", nameof(sources));
        foreach (var (folder, manifest) in manifests.Where(m => m.Manifest.Key != key))
        {
            throw CacheErrors.MergeOtherCache(folder, manifest.Key, key);
        }

        Directory.CreateDirectory(target);
        var targetManifest = Path.Combine(target, TeacherCacheManifest.FileName);
        if (File.Exists(targetManifest))
        {
            var existing = TeacherCacheManifest.Read(target);
            if (existing.Key != key)
            {
                throw CacheErrors.MergeTargetHoldsOtherCache(target, existing.Key, key);
            }
        }
        else
        {
            CopyAtomically(Path.Combine(manifests[0].Folder, TeacherCacheManifest.FileName), targetManifest);
        }

        var reference = manifests[0].Manifest;
        for (var shard = 0; shard < reference.Shards; shard++)
        {
            var name = ShardFormat.FileName(shard);
            if (File.Exists(Path.Combine(target, name)))
            {
                continue;
            }

            var source = sources.Select(s => Path.Combine(s, name)).FirstOrDefault(File.Exists);
            if (source is null)
            {
                continue;
            }

            // Header and checksum are checked: a damaged shard stops the merge instead of spreading.
            var header = MappedShard.CheckHeader(source, shard, ShardLayout.Rows(reference, shard), reference.ElementSize);
            if (!ShardFormat.ChecksumMatches(source, header))
            {
                throw CacheErrors.ShardFailsChecksum(source);
            }

            CopyAtomically(source, Path.Combine(target, name));
        }

        return Inspect(target);
    }

    /// <summary>The identity and length of the row at <paramref name="position"/>.</summary>
    public (long RowId, int AugmentationId, int Length) RowInfo(int position)
    {
        var entry = Entry(position);
        return (entry.RowId, entry.AugmentationId, entry.Length);
    }

    /// <summary>
    /// The teacher's class probabilities (the softmax of its cached logits) for each row (id, augmentation id), in
    /// the order given: what the teacher's metrics and calibration are computed from.
    /// </summary>
    /// <exception cref="KeyNotFoundException">The cache has no such row.</exception>
    public float[][] ClassProbabilities(IEnumerable<(long RowId, int AugmentationId)> rows) => rows.Select(r =>
    {
        using var scope = NewDisposeScope();
        var (logits, _) = Read(PositionOf(r.RowId, r.AugmentationId), CachedTensorSpec.LogitsName);
        return tensor(logits).softmax(0).data<float>().ToArray();
    }).ToArray();

    /// <summary>The class the teacher predicts (the largest cached logit) for each row, in the order given: the agreement's reference.</summary>
    /// <exception cref="KeyNotFoundException">The cache has no such row.</exception>
    public IReadOnlyList<int> PredictedClasses(IEnumerable<(long RowId, int AugmentationId)> rows) =>
        rows.Select(r => ClassificationMetrics.ArgMax(Read(PositionOf(r.RowId, r.AugmentationId), CachedTensorSpec.LogitsName).Values)).ToList();

    /// <summary>The position of row (<paramref name="rowId"/>, <paramref name="augmentationId"/>).</summary>
    /// <exception cref="KeyNotFoundException">The cache has no such row.</exception>
    public int PositionOf(long rowId, int augmentationId = 0)
    {
        lock (_lock)
        {
            if (_positions is null)
            {
                var positions = new Dictionary<(long, int), int>(Rows);
                for (var p = 0; p < Rows; p++)
                {
                    var (id, augmentation, _) = RowInfo(p);
                    positions[(id, augmentation)] = p;
                }

                _positions = positions;
            }
        }

        return _positions.TryGetValue((rowId, augmentationId), out var position)
            ? position
            : throw new KeyNotFoundException($"the teacher cache {Manifest.Key} has no row {rowId} (augmentation {augmentationId})");
    }

    /// <summary>Number of values of <paramref name="tensor"/> for the row at <paramref name="position"/>.</summary>
    public long ElementsOf(int position, string tensor) => Manifest.Tensor(tensor).ElementsFor(RowInfo(position).Length);

    /// <summary>Decodes one row's tensor into <paramref name="destination"/> (no allocation).</summary>
    public void Read(int position, string tensor, Span<float> destination)
    {
        var entry = Entry(position);
        var shard = Mapped(_shardOf[position]);
        long offset = 0;
        for (var t = 0; t < Manifest.Tensors.Count; t++)
        {
            var layout = Manifest.Tensors[t];
            var count = layout.ElementsFor(entry.Length);
            if (layout.Name == tensor)
            {
                if (destination.Length < count)
                {
                    throw new ArgumentException($"destination: {count} values are needed, got room for {destination.Length}", nameof(destination));
                }

                ValueCodec.Decode(shard.Bytes(entry.DataOffset + offset * Manifest.ElementSize, count * Manifest.ElementSize), Manifest.ElementType, destination[..(int)count]);
                return;
            }

            offset += count;
        }

        Manifest.Tensor(tensor); // throws the error that names the tensors the cache has
    }

    /// <summary>One row's tensor as a new array, with its dims.</summary>
    public (float[] Values, long[] Dims) Read(int position, string tensor)
    {
        var layout = Manifest.Tensor(tensor);
        var length = RowInfo(position).Length;
        var values = new float[layout.ElementsFor(length)];
        Read(position, tensor, values);
        return (values, layout.DimsFor(length));
    }

    /// <summary>
    /// The tensor of several rows as one float32 tensor [rows, ...], rows zero-padded to the longest (or to
    /// <paramref name="padLength"/>): attention maps pad both sequence dims, hidden states the first.
    /// </summary>
    public Tensor ReadBatch(IReadOnlyList<int> positions, string tensor, int? padLength = null)
    {
        var layout = Manifest.Tensor(tensor);
        var lengths = positions.Select(p => RowInfo(p).Length).ToArray();
        var padded = padLength ?? lengths.Max();
        if (padded < lengths.Max())
        {
            throw new ArgumentException($"padLength: {padded} is shorter than the longest row ({lengths.Max()})", nameof(padLength));
        }

        var dims = layout.DimsFor(padded);
        var perRow = layout.ElementsFor(padded);
        // Decoded straight into the tensor's own memory: a managed array of the batch (megabytes of attention maps, on
        // the large-object heap) and a copy of it per batch cost the training loop more than the decoding does.
        var batch = TorchSharp.torch.zeros([positions.Count, .. dims], TorchSharp.torch.ScalarType.Float32);
        var scratch = ArrayPool<float>.Shared.Rent((int)perRow);
        try
        {
            var values = MemoryMarshal.Cast<byte, float>(batch.bytes);
            Fill(values);
        }
        catch
        {
            batch.Dispose();
            throw;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scratch);
        }

        return batch;

        void Fill(Span<float> values)
        {
            for (var i = 0; i < positions.Count; i++)
            {
                var length = lengths[i];
                var row = values.Slice((int)(i * perRow), (int)perRow);
                if (length == padded || layout.Kind is CachedTensorKind.Logits or CachedTensorKind.Fixed)
                {
                    Read(positions[i], tensor, row);
                    continue;
                }

                Read(positions[i], tensor, scratch);
                if (layout.Kind == CachedTensorKind.HiddenState)
                {
                    scratch.AsSpan(0, (int)(length * dims[1])).CopyTo(row);
                }
                else
                {
                    // [heads, length, length] into [heads, padded, padded]
                    for (var h = 0; h < dims[0]; h++)
                    {
                        for (var q = 0; q < length; q++)
                        {
                            scratch.AsSpan((int)((h * length + q) * length), length).CopyTo(row.Slice((int)((h * padded + q) * padded), length));
                        }
                    }
                }
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var shard in _shards)
        {
            shard?.Dispose();
        }
    }

    private ShardRow Entry(int position)
    {
        if ((uint)position >= (uint)Rows)
        {
            throw new ArgumentOutOfRangeException(nameof(position), position, $"position must be in 0..{Rows - 1}");
        }

        return _tables[_shardOf[position]][_slotOf[position]];
    }

    private MappedShard Mapped(int index)
    {
        var shard = _shards[index];
        if (shard is null)
        {
            lock (_lock)
            {
                shard = _shards[index] ??= MappedShard.Open(ShardPath(index), _headers[index], _verify);
            }
        }

        return shard;
    }

    private string ShardPath(int shard) => Path.Combine(Folder, ShardFormat.FileName(shard));

    private static void CopyAtomically(string source, string destination)
    {
        var temporary = $"{destination}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";
        try
        {
            File.Copy(source, temporary);
            File.Move(temporary, destination, overwrite: false);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
