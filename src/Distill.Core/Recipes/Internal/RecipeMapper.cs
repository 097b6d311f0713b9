using System.Text.RegularExpressions;
using Distill.Platform;
using Distill.Data;
using Distill.Teacher;

namespace Distill.Recipes.Internal;

/// <summary>
/// Maps the recipe tree (after profiles, overrides and substitution) into the typed <see cref="Recipe"/>, checking
/// every key, type, range and file on the way and reporting each problem at its line. The result is meaningful only
/// when no error was reported.
/// </summary>
internal sealed partial class RecipeMapper
{
    private const string DataDirVariable = "DISTILL_DATA_DIR";

    private readonly RecipeValues _values;
    private readonly string _recipePath;
    private readonly string _recipeFolder;
    private readonly string _workingFolder;
    private readonly Func<string, string?> _variable;

    /// <param name="root">The tree; <c>profiles</c> already removed.</param>
    /// <param name="recipePath">Absolute path of the recipe file.</param>
    /// <param name="workingFolder">Where <c>output</c> and <c>cache.dir</c> are relative to.</param>
    /// <param name="variable">Looks up a <c>${name}</c>, for hints about paths that use one.</param>
    public RecipeMapper(MapNode root, RecipeErrorList errors, string recipePath, string workingFolder, Func<string, string?> variable)
    {
        Root = root;
        _values = new RecipeValues(root, errors);
        _recipePath = recipePath;
        _recipeFolder = Path.GetDirectoryName(recipePath)!;
        _workingFolder = workingFolder;
        _variable = variable;
    }

    private MapNode Root { get; }

    public Recipe Map()
    {
        var v = _values;
        v.CheckKeys(Root, string.Empty, RecipeSchema.Root);

        var name = v.Text(Root, string.Empty, "name");
        if (name is not null && string.IsNullOrWhiteSpace(name))
        {
            v.Error("name", "must not be empty; it names the output folder (or leave it out for the file's name)");
        }
        else if (name is not null && name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
        {
            v.Error("name", $"must be usable as a folder name (was '{name}'); leave out '/' and other characters that file names cannot hold");
        }

        name = string.IsNullOrWhiteSpace(name) ? Path.GetFileNameWithoutExtension(_recipePath) : name;

        var seeds = v.IntList(Root, string.Empty, "seeds", hint: "; write seeds: [42], or several seeds: [1, 2, 3]");
        if (seeds is { Count: 0 })
        {
            v.Error("seeds", "must list at least one seed (was empty), e.g. [42]");
        }

        var output = OutputPath(Root, string.Empty, "output") ?? Path.GetFullPath(Path.Combine(_workingFolder, "runs", name));
        if (File.Exists(output))
        {
            // Found here, with the other input errors: creating the folder would fail only once the teacher is ready.
            v.Error("output", $"names a file, {output}; the run writes a folder there: give a folder path (--set output=runs/{name}), or move the file");
        }

        var device = v.Text(Root, string.Empty, "device");
        if (device is not null)
        {
            try
            {
                DeviceSetting.Parse(device, "device");
            }
            catch (DistillException)
            {
                v.Error("device", $"must be auto, cpu, cuda or cuda:N with N a GPU number (was '{device}')");
            }
        }

        // In the order of the documentation, so that errors without a line come in that order too.
        var data = MapData();
        var teacher = MapTeacher(data);
        var student = MapStudent(teacher, data);
        var recipe = new Recipe
        {
            Name = name,
            Path = _recipePath,
            Seeds = seeds ?? [42],
            Output = output,
            Device = device?.ToLowerInvariant() ?? "auto",
            Data = data,
            Teacher = teacher,
            Cache = MapCache(),
            Student = student,
            Training = MapTraining(),
            Stages = MapStages(Root, string.Empty, teacher, student),
            Variants = MapVariants(teacher, student),
            Baseline = MapBaseline(),
            Export = MapExport(),
            Report = MapReport(),
            Lines = new Dictionary<string, int>(_values.Lines, StringComparer.Ordinal),
        };
        return recipe;
    }

    private DataSettings MapData()
    {
        var v = _values;
        const string at = "data";
        if (!v.Require(Root, string.Empty, at, "add a data section with at least train: path/to/train.tsv"))
        {
            return new DataSettings { Train = string.Empty };
        }

        var data = v.Map(Root, string.Empty, at);
        if (data is null)
        {
            return new DataSettings { Train = string.Empty };
        }

        v.CheckKeys(data, at, RecipeSchema.Data);
        var format = v.Choice(data, at, "format", [.. DataFormatNames.All.Select(DataFormatNames.Of)]);
        var folders = format == DataFormatNames.Of(DataFormat.ImageFolder);
        v.Require(data, at, "train", "give the training file (the transfer set), e.g. train: data/train.tsv");
        var train = InputFile(data, at, "train", folders);
        var delimiter = v.Text(data, at, "delimiter");
        if (delimiter is not null && delimiter.Length != 1)
        {
            v.Error("data.delimiter", $"must be one character (was '{delimiter}'); write \"\\t\" in double quotes for a tab");
        }

        if (train is not null && format is null && delimiter is null && !Directory.Exists(train)
            && Path.GetExtension(train).ToLowerInvariant() is not (".tsv" or ".csv" or ".jsonl" or ".ndjson"))
        {
            v.Error("data.train", $"has the extension '{Path.GetExtension(train)}', which does not say its format; set data.format to {DataFormatNames.List(DataFormatNames.All)}");
        }

        List<string>? text = null;
        if (RecipeValues.Present(data, "text") is ScalarNode)
        {
            text = v.Text(data, at, "text") is { } single ? [single] : null;
        }
        else
        {
            text = v.TextList(data, at, "text");
            if (text is { Count: not (1 or 2) })
            {
                v.Error("data.text", $"must name one text column, or two for sentence pairs (was {text.Count})");
            }
        }

        List<string>? features = null;
        if (RecipeValues.Present(data, "features") is ScalarNode)
        {
            features = v.Text(data, at, "features") is { } range ? [range] : null;
        }
        else
        {
            features = v.TextList(data, at, "features");
        }

        if (features is { Count: > 0 } && RecipeValues.Present(data, "augment") is not null)
        {
            v.Error("data.augment", "rewrites text, and data.features gives float features; remove data.augment");
        }

        if (features is { Count: > 0 } && RecipeValues.Present(data, "text") is not null)
        {
            v.Error("data.features", "and data.text are both given; a recipe reads text or float features, so remove one of them");
        }

        foreach (var column in features ?? [])
        {
            try
            {
                DataColumn.ParseRange(column);
            }
            catch (DistillException e)
            {
                v.Error("data.features", e.Message);
            }
        }

        var labels = v.TextList(data, at, "labels");
        var labelNames = v.TextList(data, at, "label_names");
        if (labels is not null && labelNames is not null && labels.Count != labelNames.Count)
        {
            v.Error("data.label_names", $"has {labelNames.Count} names but data.labels has {labels.Count} values; give one name per label");
        }

        var defaults = new DataSettings { Train = string.Empty };
        return new DataSettings
        {
            Train = train ?? string.Empty,
            Dev = InputFile(data, at, "dev", folders),
            Test = InputFile(data, at, "test", folders),
            Format = format,
            HasHeader = v.Bool(data, at, "has_header") ?? defaults.HasHeader,
            Delimiter = delimiter,
            Text = text ?? defaults.Text,
            Label = v.Text(data, at, "label") ?? defaults.Label,
            Labels = labels,
            LabelNames = labelNames,
            Limit = v.Int(data, at, "limit", 1),
            DevLimit = v.Int(data, at, "dev_limit", 1),
            Augment = MapAugment(data),
            Features = features,
            FeatureShape = v.IntList(data, at, "feature_shape", 1),
            Normalization = MapNormalization(data) ?? defaults.Normalization,
            Image = MapImage(data, folders),
        };
    }

    private ImageSettings? MapImage(MapNode data, bool folders)
    {
        var v = _values;
        const string at = "data.image";
        var image = v.Map(data, "data", "image");
        if (image is null)
        {
            if (folders)
            {
                v.Error(at, "is required for an image folder; give the size the teacher takes, e.g. image: {height: 28, width: 28, channels: 1}");
            }

            return null;
        }

        if (!folders)
        {
            v.Error(at, "applies to an image folder; set data.format: image_folder, or remove data.image");
        }

        v.CheckKeys(image, at, RecipeSchema.Image);
        v.Require(image, at, "height", "give the height the teacher takes, e.g. height: 28");
        v.Require(image, at, "width", "give the width the teacher takes, e.g. width: 28");
        var channels = v.Int(image, at, "channels", 1);
        if (channels is not (null or 1 or 3))
        {
            v.Error($"{at}.channels", $"must be 1 (grayscale) or 3 (RGB) (was {channels})");
        }

        return new ImageSettings { Height = v.Int(image, at, "height", 1) ?? 1, Width = v.Int(image, at, "width", 1) ?? 1, Channels = channels ?? 3 };
    }

    private FeatureNormalization? MapNormalization(MapNode data)
    {
        var v = _values;
        const string at = "data.normalization";
        var normalization = v.Map(data, "data", "normalization");
        if (normalization is null)
        {
            return null;
        }

        v.CheckKeys(normalization, at, RecipeSchema.Normalization);
        List<float>? Floats(string key)
        {
            var texts = v.TextList(normalization, at, key);
            if (texts is null)
            {
                return null;
            }

            var values = new List<float>();
            foreach (var text in texts)
            {
                if (float.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value))
                {
                    values.Add(value);
                }
                else
                {
                    v.Error($"{at}.{key}", $"must be a list of numbers, one per channel (was '{text}'), e.g. [0.5]");
                }
            }

            return values;
        }

        return new FeatureNormalization
        {
            Scale = (float)(v.Number(normalization, at, "scale", x => x > 0 && double.IsFinite(x), "a number above 0", "e.g. 0.00392156862745098 for x/255") ?? 1),
            Mean = Floats("mean") ?? [],
            Std = Floats("std") ?? [],
        };
    }

    private AugmentSettings? MapAugment(MapNode data)
    {
        var v = _values;
        const string at = "data.augment";
        var augment = v.Map(data, "data", "augment");
        if (augment is null)
        {
            return null;
        }

        v.CheckKeys(augment, at, RecipeSchema.Augment);
        v.Require(augment, at, "copies", "say how many augmented copies of each row to make, e.g. copies: 10");
        static bool Probability(double p) => p is >= 0 and <= 1;
        var mask = v.Number(augment, at, "mask", Probability, "in [0, 1]");
        var swap = v.Number(augment, at, "swap", Probability, "in [0, 1]");
        var defaults = new AugmentSettings { Copies = 1 };
        if ((mask ?? defaults.Mask) + (swap ?? defaults.Swap) > 1)
        {
            var sum = Math.Round((mask ?? defaults.Mask) + (swap ?? defaults.Swap), 10).ToString(System.Globalization.CultureInfo.InvariantCulture);
            v.Error(at, $"mask + swap must be <= 1, since a word is masked or swapped, not both (was {sum})");
        }

        var unlabelled = new List<string>();
        if (v.List(augment, at, "unlabelled") is { } files)
        {
            for (var i = 0; i < files.Items.Count; i++)
            {
                if (InputFile(files.Items[i], KeyPath.Item(at + ".unlabelled", i), folders: false) is { } file)
                {
                    unlabelled.Add(file);
                }
            }
        }

        return new AugmentSettings
        {
            Copies = v.Int(augment, at, "copies", 1, "; the paper used up to 20") ?? 1,
            Mask = mask ?? defaults.Mask,
            Swap = swap ?? defaults.Swap,
            Ngram = v.Number(augment, at, "ngram", Probability, "in [0, 1]") ?? defaults.Ngram,
            Seed = v.Int(augment, at, "seed", 0) ?? defaults.Seed,
            Unlabelled = unlabelled,
        };
    }

    private TeacherSettings? MapTeacher(DataSettings data)
    {
        var v = _values;
        const string at = "teacher";
        var teacher = v.Map(Root, string.Empty, at, "; leave it out to train the student on labels alone");
        if (teacher is null)
        {
            return null;
        }

        v.CheckKeys(teacher, at, RecipeSchema.Teacher);
        v.Require(teacher, at, "model", "give the teacher's ONNX file, e.g. model: models/bert-sst2.onnx");
        // Float features need no vocabulary; text does.
        if (!data.HasFeatures)
        {
            v.Require(teacher, at, "vocab", "give the teacher's vocab.txt (WordPiece), e.g. vocab: models/vocab.txt");
        }

        var model = Resolve(teacher, at, "model", _recipeFolder);
        var recipe = Resolve(teacher, at, "recipe", _recipeFolder);
        if (model is not null && !File.Exists(model) && RecipeValues.Present(teacher, "model") is not ScalarNode { Unresolved: true })
        {
            if (recipe is null)
            {
                v.Error("teacher.model", $"file not found: {model}; {Hint(RecipeValues.Present(teacher, "model"), model)}, " +
                                         "or set teacher.recipe to a recipe that trains and exports the teacher");
            }
            else if (!File.Exists(recipe))
            {
                v.Error("teacher.recipe", $"file not found: {recipe}; the teacher needs its model ({model}, which does not exist either) or this recipe; " +
                                          Hint(RecipeValues.Present(teacher, "recipe"), recipe));
            }
        }

        var inputs = new Dictionary<string, string>(StringComparer.Ordinal);
        if (v.Map(teacher, at, "inputs") is { } map)
        {
            foreach (var entry in map.Entries)
            {
                if (v.Choice(entry.Value, $"{at}.inputs.{entry.Key}", [.. TeacherInputNames.Kinds.Select(TeacherInputNames.Of)]) is { } kind)
                {
                    inputs[entry.Key] = kind;
                }
            }
        }

        var defaults = new TeacherSettings { Model = string.Empty, Vocab = string.Empty };
        return new TeacherSettings
        {
            Model = model ?? string.Empty,
            Recipe = recipe,
            Vocab = InputFile(teacher, at, "vocab", folders: false) ?? string.Empty,
            LowerCase = v.Bool(teacher, at, "lower_case") ?? defaults.LowerCase,
            MaxLength = v.Int(teacher, at, "max_length", 3, "; [CLS] and [SEP] take two tokens") ?? defaults.MaxLength,
            Inputs = inputs,
            Heads = v.Int(teacher, at, "heads", 1),
        };
    }

    private CacheSettings MapCache()
    {
        var v = _values;
        const string at = "cache";
        var defaults = new CacheSettings();
        var cache = v.Map(Root, string.Empty, at);
        if (cache is null)
        {
            return defaults with { Dir = Path.GetFullPath(Path.Combine(_workingFolder, defaults.Dir)) };
        }

        v.CheckKeys(cache, at, RecipeSchema.Cache);
        return new CacheSettings
        {
            Dir = OutputPath(cache, at, "dir") ?? Path.GetFullPath(Path.Combine(_workingFolder, defaults.Dir)),
            Dtype = v.Choice(cache, at, "dtype", "float16", "float32") ?? defaults.Dtype,
            RowsPerShard = v.Int(cache, at, "rows_per_shard", 1) ?? defaults.RowsPerShard,
            BatchSize = v.Int(cache, at, "batch_size", 1) ?? defaults.BatchSize,
        };
    }

    private TrainingSettings MapTraining()
    {
        var v = _values;
        const string at = "training";
        var defaults = new TrainingSettings();
        var training = v.Map(Root, string.Empty, at);
        if (training is null)
        {
            return defaults;
        }

        v.CheckKeys(training, at, RecipeSchema.Training);
        return new TrainingSettings
        {
            BatchSize = v.Int(training, at, "batch_size", 1) ?? defaults.BatchSize,
            GradientAccumulation = v.Int(training, at, "gradient_accumulation", 1) ?? defaults.GradientAccumulation,
            MaxGradNorm = v.Number(training, at, "max_grad_norm", x => x >= 0 && double.IsFinite(x), ">= 0", "; 0 turns clipping off") ?? defaults.MaxGradNorm,
            Patience = v.Int(training, at, "patience", 1),
            SelectionMetric = v.Choice(training, at, "selection_metric", "accuracy", "macro_f1") ?? defaults.SelectionMetric,
            CheckpointEvery = v.Int(training, at, "checkpoint_every", 1) ?? defaults.CheckpointEvery,
            LogEvery = v.Int(training, at, "log_every", 1) ?? defaults.LogEvery,
            Freeze = v.TextList(training, at, "freeze") ?? defaults.Freeze,
        };
    }

    private BaselineSettings? MapBaseline()
    {
        var v = _values;
        const string at = "baseline";
        var baseline = v.Map(Root, string.Empty, at, "; write baseline: {} for the defaults, or leave it out for no baseline");
        if (baseline is null)
        {
            return null;
        }

        v.CheckKeys(baseline, at, RecipeSchema.Baseline);
        var defaults = new BaselineSettings();
        return new BaselineSettings
        {
            Epochs = v.Int(baseline, at, "epochs", 1) ?? defaults.Epochs,
            LearningRate = v.Number(baseline, at, "learning_rate", x => x > 0 && double.IsFinite(x), "> 0") ?? defaults.LearningRate,
            Warmup = v.Number(baseline, at, "warmup", x => x is >= 0 and < 1, "in [0, 1)", "; it is the fraction of steps that warm up") ?? defaults.Warmup,
        };
    }

    private ExportSettings MapExport()
    {
        var v = _values;
        const string at = "export";
        var defaults = new ExportSettings();
        var export = v.Map(Root, string.Empty, at);
        if (export is null)
        {
            return defaults;
        }

        v.CheckKeys(export, at, RecipeSchema.Export);
        return new ExportSettings
        {
            Onnx = v.Bool(export, at, "onnx") ?? defaults.Onnx,
            Opset = v.Int(export, at, "opset", 17, "; LayerNormalization needs opset 17") ?? defaults.Opset,
            Path = OutputPath(export, at, "path"),
        };
    }

    private ReportSettings MapReport()
    {
        var v = _values;
        const string at = "report";
        var defaults = new ReportSettings();
        var report = v.Map(Root, string.Empty, at);
        if (report is null)
        {
            return defaults;
        }

        v.CheckKeys(report, at, RecipeSchema.Report);
        return new ReportSettings
        {
            Bench = v.Bool(report, at, "bench") ?? defaults.Bench,
            BenchSequence = v.Int(report, at, "bench_sequence", 1) ?? defaults.BenchSequence,
        };
    }

    /// <summary>An input file (relative to the recipe's folder), which must exist; its absolute path, or null when absent.</summary>
    private string? InputFile(MapNode map, string parent, string key, bool folders) =>
        InputFile(RecipeValues.Present(map, key), KeyPath.Child(parent, key), folders);

    private string? InputFile(RecipeNode? node, string path, bool folders)
    {
        var full = Resolve(node, path, _recipeFolder);
        if (full is null || node is ScalarNode { Unresolved: true } || File.Exists(full) || (folders && Directory.Exists(full)))
        {
            return full;
        }

        _values.Error(path, Directory.Exists(full)
            ? $"is a folder, not a file: {full}; give the file in it"
            : $"file not found: {full}; {Hint(node, full)}");
        return full;
    }

    /// <summary>An output path: relative to the working folder, because outputs go where the user runs the command.</summary>
    private string? OutputPath(MapNode map, string parent, string key) => Resolve(map, parent, key, _workingFolder);

    private string? Resolve(MapNode map, string parent, string key, string folder) =>
        Resolve(RecipeValues.Present(map, key), KeyPath.Child(parent, key), folder);

    private string? Resolve(RecipeNode? node, string path, string folder)
    {
        var text = _values.Text(node, path);
        if (text is null)
        {
            return null;
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            _values.Error(path, "is empty; give a path");
            return null;
        }

        return Path.GetFullPath(Path.Combine(folder, text));
    }

    /// <summary>How to fix a missing file: fetch the data set, check a variable, or check the folder relative paths start from.</summary>
    private string Hint(RecipeNode? node, string full)
    {
        var raw = (node as ScalarNode)?.Raw ?? string.Empty;
        var dataDir = DataDirReference().Match(raw);
        if (dataDir.Success)
        {
            // The data folder's subfolders are named as `distill data get` names its sets, except the vocabularies.
            var dataset = !dataDir.Groups["dataset"].Success ? "<name>"
                : dataDir.Groups["dataset"].Value == "vocab" ? "bert-base-uncased-vocab"
                : dataDir.Groups["dataset"].Value;
            var value = _variable(DataDirVariable);
            var where = string.IsNullOrEmpty(value) ? $"{DataDirVariable} is not set" : $"{DataDirVariable}={value}";
            return $"put the files there or run `distill data get {dataset}` ({where})";
        }

        if (raw.Contains("${", StringComparison.Ordinal))
        {
            return $"check the variables in '{raw}'";
        }

        return Path.IsPathRooted(raw) ? "check the path" : $"relative paths start from the recipe's folder, {_recipeFolder}";
    }

    [GeneratedRegex(@"\$\{DISTILL_DATA_DIR(?::-[^}]*)?\}[/\\]*(?:(?<dataset>[^/\\]+)[/\\])?")]
    private static partial Regex DataDirReference();
}
