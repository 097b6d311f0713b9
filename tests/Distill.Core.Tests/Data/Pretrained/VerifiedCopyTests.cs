using System.Security.Cryptography;
using Distill.Data.Pretrained.Internal;

namespace Distill.Core.Tests.Data.Pretrained;

public sealed class VerifiedCopyTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("distill-copy-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    [Fact]
    public void Copy_Should_TurnCrLfIntoLf_When_APairStraddlesTwoReads()
    {
        // Arrange: a CR as the last byte of the first 64 KiB read and its LF as the first of the next; a lone CR that
        // must stay; and a CR at the very end.
        var input = new byte[(1 << 16) + 10];
        input.AsSpan().Fill((byte)'a');
        input[(1 << 16) - 1] = (byte)'\r';
        input[1 << 16] = (byte)'\n';
        input[(1 << 16) + 3] = (byte)'\r';
        input[^1] = (byte)'\r';
        var expected = input.ToList();
        expected.RemoveAt((1 << 16) - 1);
        var path = Path.Combine(_folder, "out.txt");

        // Act
        var (read, written) = VerifiedCopy.Copy(new MemoryStream(input), path, crLfToLf: true, CancellationToken.None);

        // Assert
        File.ReadAllBytes(path).Should().Equal(expected);
        read.Should().Be(new VerifiedCopy.Digest(input.Length, Sha256(input)));
        written.Should().Be(new VerifiedCopy.Digest(expected.Count, Sha256(expected.ToArray())));
    }

    [Fact]
    public void Copy_Should_WriteTheBytesAsTheyAre_When_NotConverting()
    {
        var input = "a\r\nb\r\n"u8.ToArray();
        var path = Path.Combine(_folder, "out.bin");

        var (read, written) = VerifiedCopy.Copy(new MemoryStream(input), path, crLfToLf: false, CancellationToken.None);

        File.ReadAllBytes(path).Should().Equal(input);
        written.Should().Be(read);
        read.Sha256.Should().Be(Sha256(input));
    }
}
