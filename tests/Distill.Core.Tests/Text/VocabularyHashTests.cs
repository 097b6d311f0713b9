using System.Text;
using Distill.Core.Tests.Students.Checkpoints;
using Distill.Text;

namespace Distill.Core.Tests.Text;

public class VocabularyHashTests
{
    [Fact]
    public void Compute_Should_GiveTheSha256OfTheFileBytes_When_GivenAVocabFile()
    {
        // Arrange: SHA-256("abc") is the FIPS 180-2 test vector.
        using var temp = new TempFolder();
        File.WriteAllBytes(temp["vocab.txt"], Encoding.ASCII.GetBytes("abc"));

        // Act
        var hash = VocabularyHash.Compute(temp["vocab.txt"]);

        // Assert
        hash.Should().Be("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        VocabularyHash.IsWellFormed(hash).Should().BeTrue();
    }

    [Fact]
    public void Compute_Should_Differ_When_OneTokenDiffers()
    {
        using var temp = new TempFolder();
        File.WriteAllText(temp["a.txt"], "[PAD]\n[UNK]\nhello\n");
        File.WriteAllText(temp["b.txt"], "[PAD]\n[UNK]\nhallo\n");

        var a = VocabularyHash.Compute(temp["a.txt"]);
        var b = VocabularyHash.Compute(temp["b.txt"]);

        a.Should().NotBe(b);
    }

    [Fact]
    public void Compute_Should_NameTheFile_When_ItDoesNotExist()
    {
        using var temp = new TempFolder();

        var act = () => VocabularyHash.Compute(temp["missing.txt"]);

        act.Should().Throw<DistillException>().Where(e => e.Kind == DistillErrorKind.InvalidInput)
            .WithMessage($"{temp["missing.txt"]}: vocabulary file not found; pass the vocab.txt that the tokenizer reads");
    }

    [Theory]
    [InlineData("sha256:ABC", false)]
    [InlineData("md5:900150983cd24fb0d6963f7d28e17f72", false)]
    [InlineData(null, false)]
    [InlineData("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", true)]
    public void IsWellFormed_Should_AcceptOnlyThePrefixAndLowerCaseHex(string? hash, bool expected)
    {
        var result = VocabularyHash.IsWellFormed(hash);

        result.Should().Be(expected);
    }
}
