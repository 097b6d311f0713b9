using System.Buffers.Binary;
using System.IO.Hashing;

namespace Distill.Cache.Internal;

/// <summary>One row of a shard's row table: which row it is (its id and its position in the cache), and where its data is.</summary>
internal readonly record struct ShardRow(long RowId, int AugmentationId, int Length, int Position, long DataOffset, long DataLength);

/// <summary>
/// The binary layout of a cache shard (little-endian):
/// <code>
/// header (64 bytes): magic "DSTLSHRD", u32 format version, u32 shard index, 8 reserved, i32 rows,
///                    i32 tensors, i32 element size, i32 reserved, u64 XxHash3 of bytes 64.., i64 file length, 8 reserved
/// row table:         rows × (i64 row id, i32 augmentation id, i32 length, i32 position, i32 data length,
///                    i64 data offset from the start of the file, 8 reserved)
/// data:              each row's tensors in the manifest's order, values as float16 or float32
/// </code>
/// The checksum covers everything after the header, so a torn or altered file fails verification.
/// </summary>
internal static class ShardFormat
{
    public const int HeaderSize = 64;
    public const int RowEntrySize = 32;
    public const uint Version = 1;
    private static readonly byte[] Magic = "DSTLSHRD"u8.ToArray();

    public static string FileName(int shard) => $"shard-{shard:D5}.dcs";

    /// <summary>Writes a shard to <paramref name="path"/> through a temporary file renamed into place.</summary>
    public static void Write(string path, int shard, IReadOnlyList<ShardRow> rows, int tensorCount, int elementSize, ReadOnlySpan<byte> data)
    {
        var tableSize = rows.Count * RowEntrySize;
        var table = new byte[tableSize];
        for (var i = 0; i < rows.Count; i++)
        {
            var entry = table.AsSpan(i * RowEntrySize, RowEntrySize);
            BinaryPrimitives.WriteInt64LittleEndian(entry, rows[i].RowId);
            BinaryPrimitives.WriteInt32LittleEndian(entry[8..], rows[i].AugmentationId);
            BinaryPrimitives.WriteInt32LittleEndian(entry[12..], rows[i].Length);
            BinaryPrimitives.WriteInt32LittleEndian(entry[16..], rows[i].Position);
            BinaryPrimitives.WriteInt32LittleEndian(entry[20..], checked((int)rows[i].DataLength));
            BinaryPrimitives.WriteInt64LittleEndian(entry[24..], HeaderSize + tableSize + rows[i].DataOffset);
        }

        var hash = new XxHash3();
        hash.Append(table);
        hash.Append(data);
        var header = new byte[HeaderSize];
        Magic.CopyTo(header, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), Version);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(12), (uint)shard);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(24), rows.Count);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(28), tensorCount);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(32), elementSize);
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(40), hash.GetCurrentHashAsUInt64());
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(48), HeaderSize + (long)tableSize + data.Length);

        // A kill at any point leaves either no shard file or a complete one: the bytes go to a temporary name, reach
        // the disk (flush to the device), and only then take the shard's name by an atomic rename.
        var temporary = $"{path}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(header);
                stream.Write(table);
                stream.Write(data);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>Reads and checks a shard's header; returns null with a reason when the file is not a valid shard.</summary>
    public static (ShardHeader? Header, string? Problem) ReadHeader(string path)
    {
        var length = new FileInfo(path).Length;
        if (length < HeaderSize)
        {
            return (null, $"is {length} bytes, shorter than a shard header");
        }

        Span<byte> header = stackalloc byte[HeaderSize];
        using (var stream = File.OpenRead(path))
        {
            stream.ReadExactly(header);
        }

        if (!header[..8].SequenceEqual(Magic))
        {
            return (null, "is not a Distill cache shard (bad magic)");
        }

        var version = BinaryPrimitives.ReadUInt32LittleEndian(header[8..]);
        if (version != Version)
        {
            return (null, $"has shard format {version}, this Distill reads {Version}");
        }

        var parsed = new ShardHeader(
            (int)BinaryPrimitives.ReadUInt32LittleEndian(header[12..]),
            BinaryPrimitives.ReadInt32LittleEndian(header[24..]),
            BinaryPrimitives.ReadInt32LittleEndian(header[28..]),
            BinaryPrimitives.ReadInt32LittleEndian(header[32..]),
            BinaryPrimitives.ReadUInt64LittleEndian(header[40..]),
            BinaryPrimitives.ReadInt64LittleEndian(header[48..]));
        return parsed.FileLength != length
            ? (null, $"is {length} bytes but its header says {parsed.FileLength} (a torn write)")
            : (parsed, null);
    }

    /// <summary>Hashes everything after the header, streaming, and compares with the header's checksum.</summary>
    public static bool ChecksumMatches(string path, ShardHeader header)
    {
        var hash = new XxHash3();
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        stream.Seek(HeaderSize, SeekOrigin.Begin);
        hash.Append(stream);
        return hash.GetCurrentHashAsUInt64() == header.Checksum;
    }

    /// <summary>Reads the row table of a shard (header checked already) from its file, without touching its data.</summary>
    public static ShardRow[] ReadRows(string path, ShardHeader header)
    {
        var table = new byte[(long)header.Rows * RowEntrySize];
        using (var stream = File.OpenRead(path))
        {
            stream.Seek(HeaderSize, SeekOrigin.Begin);
            stream.ReadExactly(table);
        }

        var rows = new ShardRow[header.Rows];
        for (var i = 0; i < rows.Length; i++)
        {
            var entry = table.AsSpan(i * RowEntrySize, RowEntrySize);
            rows[i] = new ShardRow(
                BinaryPrimitives.ReadInt64LittleEndian(entry),
                BinaryPrimitives.ReadInt32LittleEndian(entry[8..]),
                BinaryPrimitives.ReadInt32LittleEndian(entry[12..]),
                BinaryPrimitives.ReadInt32LittleEndian(entry[16..]),
                BinaryPrimitives.ReadInt64LittleEndian(entry[24..]),
                BinaryPrimitives.ReadInt32LittleEndian(entry[20..]));
        }

        return rows;
    }
}

/// <summary>The fields of a shard header.</summary>
internal sealed record ShardHeader(int Shard, int Rows, int Tensors, int ElementSize, ulong Checksum, long FileLength);
