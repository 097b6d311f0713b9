namespace Distill.Data.Internal;

/// <summary>
/// Reads an image folder as torchvision's <c>ImageFolder</c> does: the class subfolders sorted by name, and within each
/// class the folders (recursively) sorted by path and their files sorted by name. Row ids follow that order. Files
/// without an image extension are skipped, as torchvision skips them.
/// </summary>
internal static class ImageFolderRowReader
{
    /// <summary>The extensions read (case-insensitive): PNG and JPEG, and BMP and WebP, which Skia also decodes.</summary>
    public static readonly string[] Extensions = [".png", ".jpg", ".jpeg", ".bmp", ".webp"];

    // Extensions torchvision's ImageFolder reads that Skia cannot: skipping them would shift row ids and drop classes
    // without a word, so they are an error.
    private static readonly string[] Unsupported = [".ppm", ".pgm", ".tif", ".tiff"];

    /// <summary>The class subfolder names, sorted ordinally (as Python's <c>sorted</c> orders them).</summary>
    public static IReadOnlyList<string> Classes(string folder)
    {
        var classes = Directory.EnumerateDirectories(folder)
            .Select(d => System.IO.Path.GetFileName(d))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (classes.Count == 0)
        {
            var files = Directory.EnumerateFiles(folder).Take(3).Select(System.IO.Path.GetFileName).ToList();
            throw DataErrors.InFile(folder,
                "no class subfolders; an image folder holds one subfolder per class (such as cat/ and dog/) with that " +
                $"class's images inside{(files.Count > 0 ? $" (found files here: {string.Join(", ", files)})" : "")}");
        }

        return classes;
    }

    public static IEnumerable<DataRow> Read(DataSourceOptions options, LabelMap? labels)
    {
        var root = options.Path;
        var classes = Classes(root);
        var assembler = new RowAssembler(options, labels);
        foreach (var name in classes)
        {
            assembler.CheckKnown(name, line: null, where: $"class folder {name}/");
        }

        int channels = options.ImageChannels, height = options.ImageHeight!.Value, width = options.ImageWidth!.Value;
        long id = 0;
        foreach (var name in classes)
        {
            var classFolder = System.IO.Path.Combine(root, name);
            var images = 0;
            foreach (var file in Files(classFolder))
            {
                var pixels = ImagePixels.Read(file, channels, height, width)
                             ?? throw DataErrors.InFile(file,
                                 "cannot decode the image (not a readable PNG, JPEG, BMP or WebP file); fix or remove it");
                images++;
                yield return new DataRow(id++, [], name, assembler.Features(pixels, line: 0));
            }

            if (images == 0)
            {
                throw DataErrors.InFile(classFolder,
                    $"class folder has no images ({string.Join(", ", Extensions)}); add its images or remove the folder, " +
                    "since every class folder is a class the teacher must have");
            }
        }
    }

    private static IEnumerable<string> Files(string classFolder)
    {
        var folders = Directory.EnumerateDirectories(classFolder, "*", SearchOption.AllDirectories)
            .Prepend(classFolder)
            .Order(StringComparer.Ordinal);
        foreach (var folder in folders)
        {
            foreach (var file in Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal))
            {
                var extension = System.IO.Path.GetExtension(file).ToLowerInvariant();
                if (Unsupported.Contains(extension))
                {
                    throw DataErrors.InFile(file,
                        $"{extension} images cannot be read here; convert them to PNG (torchvision would read them, so " +
                        "skipping them would change the data set)");
                }

                if (Extensions.Contains(extension))
                {
                    yield return file;
                }
            }
        }
    }
}
