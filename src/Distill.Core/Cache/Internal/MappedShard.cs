using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;

namespace Distill.Cache.Internal;

/// <summary>
/// A shard file mapped into memory: its row table, and spans over each row's bytes straight from the mapping, so that
/// reading an epoch touches pages as they are needed instead of loading the cache into RAM.
/// </summary>
internal sealed unsafe class MappedShard : IDisposable
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _start;

    private MappedShard(string path, ShardHeader header)
    {
        Path = path;
        Header = header;
        _file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        _view = _file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        byte* pointer = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _start = pointer + _view.PointerOffset;
    }

    public string Path { get; }

    public ShardHeader Header { get; }

    /// <summary>
    /// Checks a shard's header against the manifest and returns it; a shard that fails is never used: the error says
    /// which file and how to rebuild it.
    /// </summary>
    public static ShardHeader CheckHeader(string path, int expectedShard, int expectedRows, int elementSize)
    {
        var (header, problem) = ShardFormat.ReadHeader(path);
        problem ??= header!.Shard != expectedShard ? $"holds shard {header.Shard}, not {expectedShard}"
            : header.Rows != expectedRows ? $"holds {header.Rows} rows, the manifest says {expectedRows}"
            : header.ElementSize != elementSize ? $"stores {header.ElementSize}-byte values, the manifest says {elementSize}"
            : null;
        return problem is null ? header! : throw CacheErrors.ShardDamaged(path, problem);
    }

    /// <summary>Maps a shard whose header was checked, verifying its checksum first when <paramref name="verify"/>.</summary>
    public static MappedShard Open(string path, ShardHeader header, bool verify) =>
        verify && !ShardFormat.ChecksumMatches(path, header)
            ? throw CacheErrors.ShardFailsChecksum(path)
            : new MappedShard(path, header);

    public ReadOnlySpan<byte> Bytes(long offset, long length) => new(_start + offset, checked((int)length));

    public void Dispose()
    {
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }
}
