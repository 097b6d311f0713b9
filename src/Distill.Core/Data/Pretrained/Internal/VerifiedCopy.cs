using System.Security.Cryptography;

namespace Distill.Data.Pretrained.Internal;

/// <summary>
/// Copies a stream to a new file while hashing both what is read and what is written, optionally turning CR LF line
/// ends into LF on the way. Hashing the input checks the source bytes against their own published checksum; hashing the
/// output checks the file that will be put in place. Both are known in one pass, before the file is renamed anywhere.
/// </summary>
internal static class VerifiedCopy
{
    /// <summary>A byte count and its SHA-256, lower-case hex.</summary>
    public readonly record struct Digest(long Size, string Sha256);

    /// <summary>Copies <paramref name="input"/> to the new file <paramref name="destination"/>.</summary>
    /// <param name="input">Read to its end.</param>
    /// <param name="destination">Created; must not exist.</param>
    /// <param name="crLfToLf">Whether each CR LF pair is written as LF (a lone CR is kept).</param>
    /// <param name="cancellation">Stops the copy; the partial file is left for the caller's staging folder to remove.</param>
    /// <returns>The size and SHA-256 of the bytes read and of the bytes written.</returns>
    public static (Digest Read, Digest Written) Copy(Stream input, string destination, bool crLfToLf, CancellationToken cancellation)
    {
        using var readHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var writtenHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 16];
        var converted = new byte[buffer.Length + 1];
        long read = 0;
        long written = 0;
        var pendingCr = false;
        using (var output = new FileStream(destination, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
        {
            int count;
            while ((count = input.Read(buffer)) > 0)
            {
                cancellation.ThrowIfCancellationRequested();
                readHash.AppendData(buffer, 0, count);
                read += count;
                var chunk = buffer.AsSpan(0, count);
                if (crLfToLf)
                {
                    var length = 0;
                    foreach (var b in chunk)
                    {
                        // A CR waits for the next byte, which may be in the next read: dropped before LF, kept otherwise.
                        if (pendingCr && b != (byte)'\n')
                        {
                            converted[length++] = (byte)'\r';
                        }

                        pendingCr = b == (byte)'\r';
                        if (!pendingCr)
                        {
                            converted[length++] = b;
                        }
                    }

                    chunk = converted.AsSpan(0, length);
                }

                writtenHash.AppendData(chunk);
                output.Write(chunk);
                written += chunk.Length;
            }

            if (pendingCr)
            {
                writtenHash.AppendData("\r"u8);
                output.Write("\r"u8);
                written++;
            }

            output.Flush(flushToDisk: true);
        }

        return (new Digest(read, Convert.ToHexStringLower(readHash.GetHashAndReset())),
            new Digest(written, Convert.ToHexStringLower(writtenHash.GetHashAndReset())));
    }
}
