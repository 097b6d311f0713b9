namespace Distill.Core.Tests.Recipes;

/// <summary>
/// A temporary folder with a recipe's small inputs, made by code: a few rows of TSV, a tiny vocabulary, and a
/// placeholder teacher file (the loader checks that the teacher exists; it never opens it).
/// </summary>
public sealed class RecipeFolder : IDisposable
{
    public RecipeFolder()
    {
        Root = Path.Combine(Path.GetTempPath(), "distill-recipes-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(Root, "data"));
        Directory.CreateDirectory(Path.Combine(Root, "models"));
        const string rows = "sentence\tlabel\na gripping , funny film\t1\nflat and lifeless\t0\n";
        File.WriteAllText(Path.Combine(Root, "data", "train.tsv"), rows);
        File.WriteAllText(Path.Combine(Root, "data", "dev.tsv"), rows);
        File.WriteAllText(Path.Combine(Root, "data", "test.tsv"), rows);
        File.WriteAllText(Path.Combine(Root, "data", "unlabelled.txt"), "a film\nanother film\n");
        File.WriteAllLines(Path.Combine(Root, "models", "vocab.txt"), ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "film", "a"]);
        File.WriteAllText(Path.Combine(Root, "models", "teacher.onnx"), "placeholder: the loader only checks that the file exists");
    }

    public string Root { get; }

    /// <summary>Writes a recipe into the folder and returns its path.</summary>
    public string Write(string fileName, string yaml)
    {
        var path = Path.Combine(Root, fileName);
        File.WriteAllText(path, yaml);
        return path;
    }

    /// <summary>The absolute path of a file in the folder.</summary>
    public string PathOf(params string[] parts) => Path.GetFullPath(Path.Combine([Root, .. parts]));

    /// <summary>The 1-based line of the only line of <paramref name="yaml"/> that contains <paramref name="text"/>.</summary>
    public static int LineOf(string yaml, string text)
    {
        var lines = yaml.Split('\n');
        var matches = Enumerable.Range(0, lines.Length).Where(i => lines[i].Contains(text, StringComparison.Ordinal)).ToList();
        matches.Should().ContainSingle($"the test looks for one line with '{text}'");
        return matches[0] + 1;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }
}
