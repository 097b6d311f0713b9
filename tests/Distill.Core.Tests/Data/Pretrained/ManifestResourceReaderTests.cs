using System.Runtime.Loader;
using System.Text;
using Distill.Data.Pretrained.Internal;

namespace Distill.Core.Tests.Data.Pretrained;

/// <summary><see cref="ManifestResourceReader"/> on assemblies built by the test, checked against the bytes embedded and
/// against what the runtime's own resource loader returns for the same assembly.</summary>
public sealed class ManifestResourceReaderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("distill-resources-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static byte[] ReadAll(Stream stream)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    [Fact]
    public void OpenResource_Should_ReturnTheEmbeddedBytes_When_TheAssemblyHasThem()
    {
        // Arrange: a resource over several 64 KiB pages, a short text one, and an empty one.
        var large = new byte[200_003];
        new Random(11).NextBytes(large);
        var text = "[PAD]\r\n[UNK]\r\n"u8.ToArray();
        var image = TestAssemblies.WithResources("Distill.ResourceTest", ("Big.bin", large), ("Words.txt", text), ("Empty", []));
        var path = Write("Distill.ResourceTest.dll", image);

        // Act
        using var reader = ManifestResourceReader.Open(path);
        byte[] big, words, empty;
        using (var stream = reader.OpenResource("Big.bin"))
        {
            big = ReadAll(stream);
        }

        using (var stream = reader.OpenResource("Words.txt"))
        {
            words = ReadAll(stream);
        }

        using (var stream = reader.OpenResource("Empty"))
        {
            empty = ReadAll(stream);
        }

        // Assert
        reader.Names.Should().Equal("Big.bin", "Words.txt", "Empty");
        reader.Length("Big.bin").Should().Be(large.Length);
        big.Should().Equal(large);
        words.Should().Equal(text);
        empty.Should().BeEmpty();

        // The runtime's loader, an independent reader of the same image, sees the same bytes.
        var context = new AssemblyLoadContext("resource-check", isCollectible: true);
        try
        {
            var loaded = context.LoadFromStream(new MemoryStream(image));
            using var runtime = loaded.GetManifestResourceStream("Big.bin")!;
            ReadAll(runtime).Should().Equal(big);
        }
        finally
        {
            context.Unload();
        }
    }

    [Fact]
    public void OpenResource_Should_NameTheResourcesThere_When_TheResourceIsMissing()
    {
        var path = Write("Distill.ResourceTest.dll", TestAssemblies.WithResources("Distill.ResourceTest", ("A.txt", "a"u8.ToArray()), ("B.txt", "b"u8.ToArray())));
        using var reader = ManifestResourceReader.Open(path, "lib/X.dll of Test 1.0.0");

        var act = () => reader.OpenResource("Model.onnx");

        act.Should().Throw<DistillException>()
            .Where(e => e.Kind == DistillErrorKind.RunFailed)
            .WithMessage("lib/X.dll of Test 1.0.0 has no embedded resource 'Model.onnx' (it has: A.txt, B.txt); nothing was written. " +
                         "Check that the package is the version the model's catalog entry names");
    }

    [Fact]
    public void Open_Should_SayItIsNotAnAssembly_When_TheFileIsText()
    {
        var path = Write("notes.dll", Encoding.UTF8.GetBytes("this is not a portable executable, only text\n"));

        var act = () => ManifestResourceReader.Open(path);

        act.Should().Throw<DistillException>()
            .Where(e => e.Kind == DistillErrorKind.RunFailed)
            .WithMessage($"{path} is not a .NET assembly (not a PE file: *), so no embedded resource can be read from it; nothing was written. *");
    }

    [Fact]
    public void Open_Should_SayItIsNotAnAssembly_When_TheAssemblyIsCutShort()
    {
        // The headers of a real assembly without the rest of the file: a download or extraction cut short.
        var image = TestAssemblies.WithResources("Distill.ResourceTest", ("A.txt", new byte[10_000]));
        var path = Write("cut.dll", image[..400]);

        var act = () => ManifestResourceReader.Open(path, "cut.dll");

        act.Should().Throw<DistillException>().WithMessage("cut.dll is not a .NET assembly (*), so no embedded resource can be read from it;*");
    }
}
