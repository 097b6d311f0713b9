using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Distill.Cache.Internal;

/// <summary>
/// The content key of a cache: SHA-256 over the format, the teacher's content hash, the cached tensors and their
/// storage, every row's identity and encoded input, and the caller's description (tokenizer and the like). Any
/// change to what the teacher sees or what is kept gives a new key, so an old cache is never reused by mistake.
/// </summary>
internal static class CacheKey
{
    public static string Compute(string teacherHash, IReadOnlyList<TeacherRow> rows, TeacherCacheOptions options, IReadOnlyDictionary<string, string> description)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Text(string value)
        {
            var bytes = Encoding.UTF8.GetBytes(value);
            Int(bytes.Length);
            hash.AppendData(bytes);
        }

        void Int(long value)
        {
            Span<byte> buffer = stackalloc byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(buffer, value);
            hash.AppendData(buffer);
        }

        Text($"{TeacherCacheManifest.FormatName}/{TeacherCacheManifest.CurrentFormatVersion}");
        Text(teacherHash);
        Text(options.ElementType.ToString());
        Int(options.RowsPerShard);
        Text(options.FeatureShape is null ? "flat" : string.Join("x", options.FeatureShape));
        foreach (var tensor in options.Tensors)
        {
            Text($"{tensor.Name}|{tensor.Kind}|{tensor.Source}|{tensor.Layer}");
        }

        foreach (var (key, value) in description.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            Text(key);
            Text(value);
        }

        Int(rows.Count);
        foreach (var row in rows)
        {
            Int(row.RowId);
            Int(row.AugmentationId);
            if (row.Text is { } text)
            {
                Int(text.Length);
                hash.AppendData(MemoryMarshal.AsBytes(text.InputIds.AsSpan()));
                hash.AppendData(MemoryMarshal.AsBytes(text.TokenTypeIds.AsSpan()));
            }

            if (row.Features is { } features)
            {
                Int(features.Length);
                hash.AppendData(MemoryMarshal.AsBytes(features.AsSpan()));
            }
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset())[..32];
    }
}
