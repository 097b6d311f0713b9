using Distill.Data.Internal;

namespace Distill.Data.Download;

/// <summary>
/// The public data sets that <c>distill data get</c> can fetch, with their URLs, sizes and SHA-256 checksums, laid out
/// as the shared data folder is (<c>sst2/</c>, <c>emotion/</c>, <c>vocab/</c>).
/// </summary>
/// <remarks>
/// The checksums were checked against independent records: SST-2.zip's size and SHA-256 are those that Hugging Face's
/// GLUE loader records for that URL, and its train.tsv and dev.tsv have the MD5s that torchtext's SST2 loader records;
/// the vocabulary's SHA-256 is the one many projects pin for bert-base-uncased's vocab.txt. The emotion files'
/// checksums are those of the shared copies without the header line that Distill adds.
/// </remarks>
public static class DataSetCatalog
{
    /// <summary>GLUE's SST-2 (Socher et al. 2013): train.tsv and dev.tsv from GLUE's SST-2.zip, as published.</summary>
    public static DataSetDefinition Sst2 { get; } = new()
    {
        Name = "sst2",
        Description = "GLUE SST-2 binary sentiment (Socher et al. 2013), 67,349 train and 872 dev rows, TSV sentence<TAB>label; research use",
        Downloads =
        [
            new DataSetDownload
            {
                Url = new Uri("https://dl.fbaipublicfiles.com/glue/data/SST-2.zip"),
                FileName = "SST-2.zip",
                Size = 7_439_277,
                Sha256 = "d67e16fb55739c1b32cdce9877596db1c127dc322d93c082281f64057c16deaa",
                Files =
                [
                    new DataSetFile { Path = "sst2/train.tsv", ZipEntry = "SST-2/train.tsv", Description = "SST-2.zip's SST-2/train.tsv" },
                    new DataSetFile { Path = "sst2/dev.tsv", ZipEntry = "SST-2/dev.tsv", Description = "SST-2.zip's SST-2/dev.tsv" },
                ],
            },
        ],
    };

    /// <summary>
    /// "emotion" (CARER, Saravia et al. 2018): the train, validation and test splits from the authors' Dropbox links, the
    /// URLs that Hugging Face's <c>emotion</c> loading script downloaded. The files are <c>text;label_name</c> lines;
    /// Distill writes them with a <c>text;label_name</c> header line, as the shared copies have.
    /// </summary>
    public static DataSetDefinition Emotion { get; } = new()
    {
        Name = "emotion",
        Description = "emotion / CARER (Saravia et al. 2018), six emotions, 16,000 train, 2,000 val and 2,000 test rows, text;label_name; research and education use",
        Downloads =
        [
            EmotionSplit("train.txt", "https://www.dropbox.com/s/1pzkadrvffbqw6o/train.txt?dl=1", 1_658_616,
                "3ab03d945a6cb783d818ccd06dafd52d2ed8b4f62f0f85a09d7d11870865b190"),
            EmotionSplit("val.txt", "https://www.dropbox.com/s/2mzialpsgf9k5l3/val.txt?dl=1", 204_240,
                "34faaa31962fe63cdf5dbf6c132ef8ab166c640254ab991af78f3aea375e79ef"),
            EmotionSplit("test.txt", "https://www.dropbox.com/s/ikkqxfdbdec3fuj/test.txt?dl=1", 206_760,
                "60f531690d20127339e7f054edc299a82c627b5ec0dd5d552d53d544e0cfcc17"),
        ],
    };

    /// <summary>The bert-base-uncased WordPiece vocabulary (30,522 tokens, Apache-2.0), from its Hugging Face model
    /// repository.</summary>
    public static DataSetDefinition BertBaseUncasedVocab { get; } = new()
    {
        Name = "bert-base-uncased-vocab",
        Description = "bert-base-uncased WordPiece vocabulary, 30,522 tokens, one per line in id order; Apache-2.0 (Google BERT)",
        Downloads =
        [
            new DataSetDownload
            {
                Url = new Uri("https://huggingface.co/google-bert/bert-base-uncased/resolve/main/vocab.txt"),
                FileName = "vocab.txt",
                Size = 231_508,
                Sha256 = "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
                Files = [new DataSetFile { Path = "vocab/bert-base-uncased.txt", Description = "bert-base-uncased's vocab.txt" }],
            },
        ],
    };

    /// <summary>Every known data set, in the order listings show them.</summary>
    public static IReadOnlyList<DataSetDefinition> All { get; } = [Sst2, Emotion, BertBaseUncasedVocab];

    /// <summary>The names of the known data sets, comma-separated, for messages.</summary>
    public static string Names => string.Join(", ", All.Select(d => d.Name));

    /// <summary>The data set named <paramref name="name"/> (case ignored), or null when there is none.</summary>
    public static DataSetDefinition? Find(string name) =>
        All.FirstOrDefault(d => string.Equals(d.Name, name.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>The data set named <paramref name="name"/> (case ignored).</summary>
    /// <exception cref="DistillException">No data set has that name (<see cref="DistillErrorKind.InvalidInput"/>); the
    /// message lists the known names.</exception>
    public static DataSetDefinition Get(string name) =>
        Find(name) ?? throw DownloadErrors.UnknownDataSet(name, All.Select(d => d.Name));

    private static DataSetDownload EmotionSplit(string fileName, string url, long size, string sha256) => new()
    {
        Url = new Uri(url),
        FileName = fileName,
        Size = size,
        Sha256 = sha256,
        Files = [new DataSetFile { Path = $"emotion/{fileName}", Header = "text;label_name", Description = $"CARER's {fileName} below a header line text;label_name" }],
    };
}
