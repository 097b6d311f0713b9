namespace Distill.Data.Download;

/// <summary>
/// The data folder: the one given, else the folder that <c>DISTILL_DATA_DIR</c> names, else <c>./data</c>. Known data
/// sets go in subfolders of it (<c>sst2/</c>, <c>emotion/</c>, <c>vocab/</c>), as in the shared data folder.
/// </summary>
public static class DataDirectory
{
    /// <summary>The environment variable that names the data folder.</summary>
    public const string EnvironmentVariable = "DISTILL_DATA_DIR";

    /// <summary>The folder used when neither a folder nor <see cref="EnvironmentVariable"/> is given, relative to the
    /// working directory.</summary>
    public const string DefaultFolder = "data";

    /// <summary>The full path of the data folder: <paramref name="directory"/> when given, else the value of
    /// <see cref="EnvironmentVariable"/> when set, else <see cref="DefaultFolder"/> under the working directory.</summary>
    public static string Resolve(string? directory) => Resolve(directory, Environment.GetEnvironmentVariable(EnvironmentVariable));

    internal static string Resolve(string? directory, string? environmentValue)
    {
        var chosen = !string.IsNullOrWhiteSpace(directory) ? directory
            : !string.IsNullOrWhiteSpace(environmentValue) ? environmentValue
            : DefaultFolder;
        return Path.GetFullPath(chosen);
    }
}
