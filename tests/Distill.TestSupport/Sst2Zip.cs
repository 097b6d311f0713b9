using System.IO.Compression;
using System.Text;

namespace Distill.TestSupport;

/// <summary>
/// A zip archive in the layout of GLUE's SST-2.zip (<c>SST-2/train.tsv</c>, <c>SST-2/dev.tsv</c>, <c>SST-2/test.tsv</c>,
/// TSV with a <c>sentence&lt;TAB&gt;label</c> header and a space before each tab), with a few rows, for download tests.
/// </summary>
public sealed class Sst2Zip
{
    private Sst2Zip(string train, string dev, byte[] bytes)
    {
        Train = train;
        Dev = dev;
        Bytes = bytes;
    }

    /// <summary>The text of <c>SST-2/train.tsv</c>.</summary>
    public string Train { get; }

    /// <summary>The text of <c>SST-2/dev.tsv</c>.</summary>
    public string Dev { get; }

    /// <summary>The zip archive.</summary>
    public byte[] Bytes { get; }

    /// <summary>Makes the archive; <paramref name="padding"/> adds that many rows to train.tsv, to make it larger.</summary>
    public static Sst2Zip Create(int padding = 0)
    {
        var train = new StringBuilder("sentence\tlabel\n")
            .Append("hide new secretions from the parental units \t0\n")
            .Append("contains no wit , only labored gags \t0\n")
            .Append("that loves its characters and communicates something rather beautiful about human nature \t1\n");
        for (var i = 0; i < padding; i++)
        {
            train.Append("row ").Append(i).Append(" of a padded training split \t").Append(i % 2).Append('\n');
        }

        var dev = "sentence\tlabel\nit 's a charming and often affecting journey . \t1\nunflinchingly bleak and desperate \t0\n";
        using var stream = new MemoryStream();
        using (var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            Add(archive, "SST-2/train.tsv", train.ToString());
            Add(archive, "SST-2/dev.tsv", dev);
            Add(archive, "SST-2/test.tsv", "index\tsentence\n0\tuneasy mishmash of styles and genres .\n");
        }

        return new Sst2Zip(train.ToString(), dev, stream.ToArray());
    }

    private static void Add(ZipArchive archive, string name, string text)
    {
        using var writer = new StreamWriter(archive.CreateEntry(name).Open(), new UTF8Encoding(false));
        writer.Write(text);
    }
}
