namespace Distill.Data.Internal;

/// <summary>Reads plain text, one unlabelled text per line; blank lines are skipped and not counted.</summary>
internal static class LinesRowReader
{
    public static IEnumerable<DataRow> Read(DataSourceOptions options)
    {
        long id = 0;
        foreach (var line in File.ReadLines(options.Path))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            yield return new DataRow(id++, [options.TrimText ? line.Trim() : line], null);
        }

        if (id == 0)
        {
            throw DataErrors.InFile(options.Path, "the file has no rows (it is empty or holds only blank lines); expected " +
                                                  "one text per line");
        }
    }
}
