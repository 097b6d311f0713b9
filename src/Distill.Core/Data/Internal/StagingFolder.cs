namespace Distill.Data.Internal;

/// <summary>
/// A hidden folder inside the folder being filled (<c>.distill-get-*</c>; the data folder for a data set, the model's
/// own folder for a pretrained model) where downloads are written, verified and unpacked before their files are renamed
/// into place. It is on the same file system as the targets, so each rename is atomic,
/// and it is deleted with everything in it when the download ends, whether it succeeded or not. A process killed
/// part-way leaves only this folder, whose name does not look like a data set.
/// </summary>
internal sealed class StagingFolder : IDisposable
{
    public const string Prefix = ".distill-get-";

    private StagingFolder(string path)
    {
        Path = path;
    }

    public string Path { get; }

    public static StagingFolder Create(string directory)
    {
        var path = System.IO.Path.Combine(directory, Prefix + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(path);
        return new StagingFolder(path);
    }

    /// <summary>The staging path of a file bound for <paramref name="relativePath"/> (with <c>/</c> separators).</summary>
    public string PathFor(string relativePath) =>
        System.IO.Path.Combine(Path, "files", relativePath.Replace('/', System.IO.Path.DirectorySeparatorChar));

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Only hidden partial files remain; the data set's own paths hold nothing unverified.
        }
    }
}
