using System.Security.Cryptography;
using System.Text;
using Distill.Data.Pretrained;
using NuGet.Packaging;
using NuGet.Versioning;

namespace Distill.Core.Tests.Data.Pretrained;

/// <summary>
/// A small pretrained model in the layout of the real all-minilm-l6-v2 entry: a hub that serves <c>model.onnx</c> and an
/// LF <c>vocab.txt</c>, and a NuGet package whose assembly embeds another <c>model.onnx</c> (a different export, as in
/// reality) and the vocabulary with CR LF line ends. Everything is made here, with its own checksums.
/// </summary>
internal sealed class TestModelPackage
{
    public const string PackageId = "Distill.TestModel";
    public const string Version = "1.2.3";
    public const string AssemblyPath = "lib/netstandard2.1/Distill.TestModel.dll";
    public const string ModelResource = "Distill.TestModel.Resources.model.onnx";
    public const string VocabResource = "Distill.TestModel.Resources.vocab.txt";

    public TestModelPackage(string name = "test-model")
    {
        Name = name;
        // Larger than one 64 KiB read, so that the copies run over several buffers.
        HubModel = Pattern(150_001, seed: 3);
        PackageModel = Pattern(140_003, seed: 7);
        var tokens = new[] { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "movie", "was", "##n't", "good" };
        Vocab = Encoding.UTF8.GetBytes(string.Concat(tokens.Select(t => t + "\n")));
        VocabCrLf = Encoding.UTF8.GetBytes(string.Concat(tokens.Select(t => t + "\r\n")));
        Assembly = TestAssemblies.WithResources(PackageId, (ModelResource, PackageModel), (VocabResource, VocabCrLf));
        Nupkg = BuildNupkg(Assembly);
    }

    public string Name { get; }

    public byte[] HubModel { get; }

    public byte[] PackageModel { get; }

    /// <summary>The vocabulary as the hub serves it and as it is written: LF line ends.</summary>
    public byte[] Vocab { get; }

    /// <summary>The vocabulary as the package embeds it: CR LF line ends.</summary>
    public byte[] VocabCrLf { get; }

    public byte[] Assembly { get; }

    public byte[] Nupkg { get; }

    public static string NupkgFileName => $"{PackageId.ToLowerInvariant()}.{Version}.nupkg";

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>The model's definition: the hub at <paramref name="hub"/> (a folder URL), then the package.</summary>
    /// <param name="hub">Where the hub serves <c>model.onnx</c> and <c>vocab.txt</c>.</param>
    /// <param name="packageModelSha256">The checksum the package's model resource must have; default its own.</param>
    public PretrainedModelDefinition Definition(Uri hub, string? packageModelSha256 = null) => new()
    {
        Name = Name,
        Description = "a test model",
        Files =
        [
            new PretrainedModelFile { Name = "model.onnx", Description = "test encoder" },
            new PretrainedModelFile { Name = "vocab.txt", Description = "test vocabulary" },
        ],
        Sources =
        [
            new HttpModelSource
            {
                Name = "hub",
                Description = "the test hub",
                Files =
                [
                    new HttpModelFile { Name = "model.onnx", Url = new Uri(hub, "model.onnx"), Size = HubModel.Length, Sha256 = Sha256(HubModel) },
                    new HttpModelFile { Name = "vocab.txt", Url = new Uri(hub, "vocab.txt"), Size = Vocab.Length, Sha256 = Sha256(Vocab) },
                ],
            },
            new NuGetModelSource
            {
                Name = "nuget",
                Description = "the test package",
                PackageId = PackageId,
                Version = Version,
                AssemblyPath = AssemblyPath,
                Files =
                [
                    new NuGetResourceFile { Name = "model.onnx", ResourceName = ModelResource, Size = PackageModel.Length, Sha256 = packageModelSha256 ?? Sha256(PackageModel) },
                    new NuGetResourceFile
                    {
                        Name = "vocab.txt",
                        ResourceName = VocabResource,
                        Size = VocabCrLf.Length,
                        Sha256 = Sha256(VocabCrLf),
                        ConvertCrLfToLf = true,
                        WrittenSize = Vocab.Length,
                        WrittenSha256 = Sha256(Vocab),
                    },
                ],
            },
        ],
    };

    /// <summary>Writes a nuget.config in <paramref name="folder"/> whose only package source is <paramref name="feed"/>
    /// (a folder, or a v3 service index served over plain HTTP on 127.0.0.1).</summary>
    public static void WriteNuGetConfig(string folder, string feed)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="test-feed" value="{feed}" allowInsecureConnections="true" />
              </packageSources>
            </configuration>
            """);
    }

    private static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static byte[] BuildNupkg(byte[] assembly)
    {
        var builder = new PackageBuilder { Id = PackageId, Version = NuGetVersion.Parse(Version), Description = "Distill test model package" };
        builder.Authors.Add("Distill tests");
        builder.Files.Add(new PhysicalPackageFile(new MemoryStream(assembly)) { TargetPath = AssemblyPath });
        using var stream = new MemoryStream();
        builder.Save(stream);
        return stream.ToArray();
    }
}
