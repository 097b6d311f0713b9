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
        Rows = ShardFormat.ReadRows(_view, header);
    }

    public string Path { get; }

    public ShardHeader Header { get; }

    public ShardRow[] Rows { get; }

    /// <summary>
    /// Opens a shard after checking its header and, when <paramref name="verify"/>, its checksum. A shard that fails
    /// is never used: the error says which file and how to rebuild it.
    /// </summary>
    public static MappedShard Open(string path, int expectedShard, int expectedRows, int elementSize, bool verify)
    {
        var (header, problem) = ShardFormat.ReadHeader(path);
        problem ??= header!.Shard != expectedShard ? $"holds shard {header.Shard}, not {expectedShard}"
            : header.Rows != expectedRows ? $"holds {header.Rows} rows, the manifest says {expectedRows}"
            : header.ElementSize != elementSize ? $"stores {header.ElementSize}-byte values, the manifest says {elementSize}"
            : verify && !ShardFormat.ChecksumMatches(path, header) ? "fails its checksum (the file is damaged)"
            : null;
        if (problem is not null)
        {
            throw new DistillException(DistillErrorKind.InvalidInput,
                $"{path}: {problem}; it is not used. Build the cache again with --resume: damaged shards are rebuilt");
        }

        return new MappedShard(path, header!);
    }

    public ReadOnlySpan<byte> Bytes(long offset, long length) => new(_start + offset, checked((int)length));

    public void Dispose()
    {
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }
}
