using Distill.Data.Internal;

namespace Distill.Data;

/// <summary>Reads a data set, described by <see cref="DataSourceOptions"/>, as a stream of <see cref="DataRow"/>s.</summary>
public static class DataSource
{
    /// <summary>
    /// The rows of the data set, read lazily one at a time as the caller iterates (a 67k-row file is never held in
    /// memory), each enumeration reading the file again. <see cref="DataRow.Id"/> is the row's 0-based position in the
    /// file, not counting the header or blank lines (for image folders, in the sorted listing).
    /// </summary>
    /// <param name="options">What to read; validated before anything is read.</param>
    /// <param name="labels">The label map of the training set, to check an evaluation set against: a label it does not
    /// know is an error naming the file, the line and the label, and listing the known labels. Null: any label is
    /// accepted (use this for the training set, then <see cref="LabelMap.Infer"/> its labels).</param>
    /// <exception cref="DistillException">Invalid options, here; a file that is empty, lacks a column, has a malformed
    /// row, an unknown label or an unreadable image, while iterating, naming the file and line.</exception>
    public static IEnumerable<DataRow> Read(DataSourceOptions options, LabelMap? labels = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfInvalid();
        return options.ResolvedFormat switch
        {
            DataFormat.Tsv or DataFormat.Csv => DelimitedRowReader.Read(options, labels),
            DataFormat.JsonLines => JsonLinesRowReader.Read(options, labels),
            DataFormat.Lines => LinesRowReader.Read(options),
            DataFormat.ImageFolder => ImageFolderRowReader.Read(options, labels),
            var format => throw new ArgumentOutOfRangeException(nameof(options), format, "unknown data format"),
        };
    }

    /// <summary>
    /// The class names of an image folder (its subfolders, sorted ordinally as torchvision's <c>ImageFolder</c> sorts
    /// them): its rows' labels, in the order torchvision numbers them. Pass it to <see cref="LabelMap.FromLabels"/> to
    /// keep that order whatever the names.
    /// </summary>
    /// <exception cref="DistillException">The folder has no class subfolders.</exception>
    public static IReadOnlyList<string> ImageFolderClasses(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (!Directory.Exists(folder))
        {
            throw DataErrors.InFile(folder, "image folder not found; give the folder that holds one subfolder per class");
        }

        return ImageFolderRowReader.Classes(folder);
    }
}
