namespace Distill.TestSupport;

/// <summary>
/// The shared real datasets (../shared/data beside the repository, or DISTILL_DATA_DIR). They are never copied into
/// the repository; a test that needs them fails with a message that says where they are looked for.
/// </summary>
public static class SharedData
{
    public static string Directory
    {
        get
        {
            var configured = Environment.GetEnvironmentVariable("DISTILL_DATA_DIR");
            if (!string.IsNullOrEmpty(configured))
            {
                return System.IO.Directory.Exists(configured)
                    ? configured
                    : throw new DirectoryNotFoundException($"DISTILL_DATA_DIR={configured} does not exist");
            }

            var root = RepositoryRoot;
            var beside = System.IO.Path.GetFullPath(System.IO.Path.Combine(root, "..", "shared", "data"));
            return System.IO.Directory.Exists(beside)
                ? beside
                : throw new DirectoryNotFoundException(
                    $"The shared data sets are not at {beside}; set DISTILL_DATA_DIR to the folder that holds sst2/ and vocab/");
        }
    }

    private static readonly Lazy<string> Root = new(FindRepositoryRoot);

    /// <summary>The folder holding Distill.sln, found by walking up from the test assembly's folder.</summary>
    public static string RepositoryRoot => Root.Value;

    private static string FindRepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(folder.FullName, "Distill.sln")))
            {
                return folder.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No Distill.sln in {AppContext.BaseDirectory} or any folder above it");
    }

    public static string Path(params string[] parts) => System.IO.Path.Combine([Directory, .. parts]);

    /// <summary>The first <paramref name="count"/> sentences of SST-2's dev split (the text column of dev.tsv).</summary>
    public static IReadOnlyList<string> Sst2DevSentences(int count) =>
        File.ReadLines(Path("sst2", "dev.tsv")).Skip(1).Take(count).Select(line => line.Split('\t')[0].Trim()).ToList();
}
