using Distill.Data.Pretrained;
using Distill.Students;
using Distill.Students.Checkpoints;
using Distill.Teacher;

namespace Distill.Recipes.Internal;

/// <summary>
/// The pretrained encoder a recipe's student starts from (<c>student.init.from</c>): a catalog model (fetched when
/// absent, as <c>from_pretrained</c> does), an ONNX export, or a Hugging Face checkpoint folder. It is imported once and
/// copied into every student of the run, distilled and label-only alike, so that both start from the same weights.
/// The classifier is always new (seeded by the run's seed); so is the pooler when the source has none.
/// </summary>
internal sealed class PretrainedStart : IDisposable
{
    // Settings a student started from the model must share with it; hidden, heads, intermediate and layers may shrink.
    private static readonly string[] ShapeKeys = ["vocab_size", "max_positions", "type_vocab_size", "activation", "layer_norm_eps"];

    private readonly ImportedTransformer _imported;

    private PretrainedStart(string source, string? vocab, ImportedTransformer imported)
    {
        Source = source;
        Vocab = vocab;
        _imported = imported;
    }

    /// <summary>What the recipe named: a catalog name or a path.</summary>
    public string Source { get; }

    /// <summary>The source's vocab.txt (beside the model, or in the checkpoint folder), or null when it has none.</summary>
    public string? Vocab { get; }

    /// <summary>The source's settings.</summary>
    public TransformerStudentOptions Settings => _imported.Model.Settings;

    /// <summary>Source keys the import had no value for (a new classifier or pooler).</summary>
    public IReadOnlyList<string> Missing => _imported.Report.Missing;

    /// <summary>Imports <paramref name="from"/> (a catalog name or a full path).</summary>
    /// <exception cref="DistillException">The model cannot be fetched, read or imported.</exception>
    public static PretrainedStart Load(string from, Action<string> notice)
    {
        var path = from;
        if (PretrainedModels.IsCatalogName(from))
        {
            var local = PretrainedModels.FindLocal(from);
            if (local is null)
            {
                notice($"student.init: fetching the pretrained model {from} (once; it is kept in {PretrainedModels.CacheDirectory()})");
            }

            path = local ?? PretrainedModels.Resolve(from);
        }

        string model;
        ImportedTransformer imported;
        if (Directory.Exists(path) && File.Exists(Path.Combine(path, "model.onnx")))
        {
            model = Path.Combine(path, "model.onnx");
            imported = OnnxTransformerImport.Import(model);
        }
        else if (File.Exists(path) && path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
        {
            model = path;
            imported = OnnxTransformerImport.Import(model);
        }
        else
        {
            model = path;
            imported = HuggingFaceBert.Import(path);
        }

        var folder = Directory.Exists(path) ? path : Path.GetDirectoryName(Path.GetFullPath(path))!;
        var vocab = Path.Combine(folder, "vocab.txt");
        notice($"student.init: {from}: {imported.Model.Settings.Layers} layers, hidden {imported.Model.Settings.Hidden}" +
               (imported.Parity is { } parity ? $", parity with ONNX Runtime {parity.LargestDifference:G3}" : string.Empty));
        return new PretrainedStart(from, File.Exists(vocab) ? vocab : null, imported);
    }

    /// <summary>
    /// The student's settings: the source's shape with <paramref name="layers"/> layers (default all), the recipe's other
    /// settings (pooling, dropout), and <paramref name="numLabels"/> classes. A shape setting in the recipe must agree.
    /// </summary>
    /// <exception cref="DistillException">A recipe setting contradicts the source.</exception>
    public TransformerStudentOptions StudentOptions(Recipe recipe, int numLabels, IReadOnlyList<int>? layers)
    {
        var source = Settings;
        var fromRecipe = (TransformerStudentOptions)recipe.Student.ToOptions(numLabels);
        var given = recipe.Student.Settings;
        foreach (var key in ShapeKeys.Where(given.ContainsKey))
        {
            var (mine, theirs) = key switch
            {
                "vocab_size" => ((object)fromRecipe.VocabSize, (object)source.VocabSize),
                "max_positions" => (fromRecipe.MaxPositions, source.MaxPositions),
                "type_vocab_size" => (fromRecipe.TypeVocabSize, source.TypeVocabSize),
                "activation" => (fromRecipe.Activation, source.Activation),
                _ => (fromRecipe.LayerNormEps, source.LayerNormEps),
            };
            if (!Equals(mine, theirs))
            {
                throw RecipeErrors.PretrainedShapeDiffers(recipe, key, mine, Source, theirs);
            }
        }

        if (layers?.FirstOrDefault(l => l >= source.Layers) is { } outOfRange && outOfRange >= source.Layers)
        {
            throw RecipeErrors.PretrainedLayerOutOfRange(recipe, outOfRange, Source, source.Layers);
        }

        // The width may shrink (weight selection, TransformerWidthSelection); it cannot grow.
        var options = source with
        {
            Layers = layers?.Count ?? (given.ContainsKey("layers") ? fromRecipe.Layers : source.Layers),
            Hidden = given.ContainsKey("hidden") ? fromRecipe.Hidden : source.Hidden,
            Heads = given.ContainsKey("heads") ? fromRecipe.Heads : source.Heads,
            Intermediate = given.ContainsKey("intermediate") ? fromRecipe.Intermediate : source.Intermediate,
            NumLabels = numLabels,
            Pooling = given.ContainsKey("pooling") ? fromRecipe.Pooling : source.Pooling,
            HiddenDropout = fromRecipe.HiddenDropout,
            AttentionDropout = fromRecipe.AttentionDropout,
        };
        foreach (var (key, mine, theirs) in new[] { ("hidden", options.Hidden, source.Hidden), ("heads", options.Heads, source.Heads), ("intermediate", options.Intermediate, source.Intermediate), ("layers", options.Layers, source.Layers) })
        {
            if (mine > theirs)
            {
                throw RecipeErrors.WiderThanPretrained(recipe, key, mine, Source, theirs);
            }
        }

        if (options.HeadSize > source.HeadSize)
        {
            throw RecipeErrors.HeadsWiderThanPretrained(recipe, options.Heads, options.Hidden, options.HeadSize, Source, source.HeadSize);
        }

        return options;
    }

    /// <summary>
    /// Copies the source's weights into <paramref name="student"/>: the embeddings, source layer <c>layers[k]</c> into
    /// layer k (by default the first layers, evenly spaced when the student is shallower), and the pooler when the source
    /// has one; a narrower student gets evenly spaced units of each (weight selection). The classifier keeps the
    /// student's own (seeded) initialisation.
    /// </summary>
    public void CopyInto(TransformerStudent student, IReadOnlyList<int>? layers, TransformerWidthSelection.UnitChoice feedForward) =>
        TransformerWidthSelection.CopyInto(
            _imported.Model, student, layers ?? TransformerWidthSelection.Evenly(Settings.Layers, student.Settings.Layers), feedForward: feedForward, except: Missing);

    /// <summary>What the students start from, for the plan and the report.</summary>
    public string Describe(IReadOnlyList<int>? layers, TransformerStudentOptions student)
    {
        var chosen = layers ?? TransformerWidthSelection.Evenly(Settings.Layers, student.Layers);
        var which = chosen.Count == Settings.Layers ? $"all {Settings.Layers} layers" : $"layers {string.Join(", ", chosen)}";
        if (student.Hidden < Settings.Hidden || student.Heads < Settings.Heads || student.Intermediate < Settings.Intermediate)
        {
            which += $", weight selection to hidden {student.Hidden}, {student.Heads} heads, intermediate {student.Intermediate}";
        }

        var fresh = new List<string> { "classifier" };
        if (student.Pooling == TransformerPooling.Pooler && Missing.Any(k => k.Contains("pooler", StringComparison.Ordinal)))
        {
            fresh.Add("pooler");
        }

        return $"pretrained {Source} ({which}; new {string.Join(" and ", fresh)}; {(student.Pooling == TransformerPooling.Mean ? "mean pooling" : "[CLS] pooler")})";
    }

    public void Dispose() => _imported.Model.Dispose();
}
