using System.Text.RegularExpressions;
using Distill.Data;
using Distill.Losses;
using Distill.Students;

namespace Distill.Recipes.Internal;

/// <summary>The student, its initialisation, and the stages with their loss terms.</summary>
internal sealed partial class RecipeMapper
{
    private static readonly string[] StudentKeys = ["architecture", "vocab", "max_length", "init"];
    private static readonly string[] LossKeys = ["type", "weight", "warmup_epochs", "warmup_steps"];
    private static readonly string[] TextArchitectures = ["transformer", "bilstm", "text_cnn"];

    // Terms on a transformer's attention and hidden states, and the one on CNN feature maps: what each student has.
    private static readonly string[] TransformerTerms = ["attention_mse", "attention_kl", "value_relation", "hidden_mse", "cosine", "blockwise_logit"];
    private static readonly string[] FeatureMapTerms = ["at"];

    private static readonly Lazy<LossRegistry> Registry = new(LossRegistry.CreateDefault);

    private StudentSettings MapStudent(TeacherSettings? teacher, DataSettings data)
    {
        var v = _values;
        const string at = "student";
        var names = StudentOptionsJson.ArchitectureNames;
        if (!v.Require(Root, string.Empty, at, "add a student section, e.g. student: {architecture: transformer, layers: 4, hidden: 312, heads: 12, intermediate: 1200}"))
        {
            return new StudentSettings { Architecture = string.Empty };
        }

        var student = v.Map(Root, string.Empty, at);
        if (student is null)
        {
            return new StudentSettings { Architecture = string.Empty };
        }

        v.Require(student, at, "architecture", $"choose one of {string.Join(", ", names)}");
        var architecture = v.Text(student, at, "architecture");
        var known = architecture is not null && names.Contains(architecture);
        if (architecture is not null && !known)
        {
            v.Error("student.architecture", $"is unknown (was '{architecture}'){Suggestions.Explain(architecture, names, "Known")}");
        }

        if (known)
        {
            // Without a known architecture its settings cannot be known: only that error is reported.
            v.CheckKeys(student, at, RecipeSchema.Student);
        }

        var settings = student.Entries.Where(e => !StudentKeys.Contains(e.Key))
            .ToDictionary(e => e.Key, e => RecipeValues.Plain(e.Value), StringComparer.Ordinal);
        var vocab = InputFile(student, at, "vocab", folders: false);
        var maxLength = v.Int(student, at, "max_length", 3, "; [CLS] and [SEP] take two tokens");
        var (initFrom, initLayers, units) = MapInit(student, architecture, known, teacher, settings);

        // Over float features the input size follows the data, unless the recipe says otherwise.
        if (data.HasFeatures && FeatureShapeOf(data) is { } shape)
        {
            if (architecture == "mlp" && !settings.ContainsKey("input_size"))
            {
                settings["input_size"] = shape.Aggregate(1L, (a, d) => a * d);
            }
            else if (architecture == "image_cnn" && !settings.ContainsKey("input_channels") && shape.Count == 3)
            {
                settings["input_channels"] = (long)shape[0];
            }
        }

        if (known)
        {
            var problems = new List<(string? Key, string Message)>();
            var knownSettings = StudentOptionsBuilder.SettingNames(architecture!)!;
            var options = StudentOptionsBuilder.Build(
                architecture!, settings.Where(p => knownSettings.Contains(p.Key)).ToDictionary(), numLabels: null, problems);
            foreach (var (key, message) in problems)
            {
                v.Error(key is null ? at : KeyPath.Child(at, key), message);
            }

            // A pretrained encoder brings its own vocab.txt.
            if (TextArchitectures.Contains(architecture) && vocab is null && teacher is null && (initFrom is null || initFrom == StudentSettings.TeacherInit))
            {
                v.Error(at, $"needs a vocab.txt for its {architecture} tokenizer: set student.vocab, add a teacher whose vocab it shares, or start it from a pretrained model (init.from)");
            }

            if (options is TransformerStudentOptions transformer && (maxLength ?? teacher?.MaxLength) is { } length && length > transformer.MaxPositions)
            {
                v.Error(maxLength is null ? "teacher.max_length" : "student.max_length",
                    $"is {length}, more than the student's max_positions ({transformer.MaxPositions}); raise student.max_positions or shorten the encoding");
            }
        }

        return new StudentSettings
        {
            Architecture = architecture ?? string.Empty,
            Settings = settings,
            Vocab = vocab,
            MaxLength = maxLength,
            InitFrom = initFrom,
            InitLayers = initLayers,
            InitFeedForwardUnits = units == "magnitude" ? TransformerWidthSelection.UnitChoice.Magnitude : TransformerWidthSelection.UnitChoice.Evenly,
        };
    }

    private (string? From, List<int>? Layers, string? Units) MapInit(MapNode student, string? architecture, bool known, TeacherSettings? teacher, IReadOnlyDictionary<string, object?> settings)
    {
        var v = _values;
        const string at = "student.init";
        var init = v.Map(student, "student", "init", "; write init: {from: teacher, layers: [0, 2, 4]} or init: {from: all-minilm-l6-v2}");
        if (init is null)
        {
            return (null, null, null);
        }

        v.CheckKeys(init, at, RecipeSchema.StudentInit);
        v.Require(init, at, "from", "write from: teacher, or a pretrained model: a catalog name (all-minilm-l6-v2), an .onnx file or a Hugging Face folder");
        var fromText = v.Text(init, at, "from");
        var fromTeacher = fromText == StudentSettings.TeacherInit;
        string? from = fromTeacher ? fromText : null;
        if (fromText is not null && !fromTeacher)
        {
            // A pretrained encoder: a catalog name stays a name (fetched when the run needs it); anything else is a path
            // from the recipe's folder, to an .onnx file or a checkpoint folder.
            if (Distill.Data.Pretrained.PretrainedModels.IsCatalogName(fromText))
            {
                from = fromText;
            }
            else
            {
                var full = Path.GetFullPath(Path.Combine(_recipeFolder, fromText));
                from = full;
                if (!File.Exists(full) && !Directory.Exists(full))
                {
                    v.Error($"{at}.from", $"is '{fromText}': neither teacher, a catalog model ({Distill.Data.Pretrained.PretrainedModelCatalog.Names}) nor a file or folder " +
                                          $"({full}); name the teacher, a catalog model, an .onnx export or a Hugging Face checkpoint folder");
                }
            }
        }

        if (fromTeacher)
        {
            v.Require(init, at, "layers", "list the teacher layers to copy, e.g. [0, 2, 4, 6, 8, 10] for every other layer of a 12-layer teacher");
        }

        var layers = v.IntList(init, at, "layers", 0);
        if (layers is { Count: 0 })
        {
            v.Error($"{at}.layers", $"must list at least one {(fromTeacher ? "teacher" : "source")} layer (was empty)");
        }

        foreach (var repeated in (layers ?? []).GroupBy(l => l).Where(g => g.Count() > 1))
        {
            v.Error($"{at}.layers", $"lists {(fromTeacher ? "teacher" : "source")} layer {repeated.Key} {(repeated.Count() == 2 ? "twice" : $"{repeated.Count()} times")}; each layer can be copied once");
        }

        if (known && architecture != "transformer")
        {
            v.Error(at, $"works for transformer students only (student.architecture is {architecture}); remove init");
        }

        if (fromTeacher && teacher is null)
        {
            v.Error(at, "copies layers from the teacher, but the recipe has no teacher; add a teacher section or remove init");
        }

        if (layers is { Count: > 0 } && settings.TryGetValue("layers", out var count) && count is int studentLayers && studentLayers != layers.Count)
        {
            v.Error($"{at}.layers", $"lists {layers.Count} {(fromTeacher ? "teacher" : "source")} layers but student.layers is {studentLayers}; the student gets one layer per listed " +
                                    $"{(fromTeacher ? "teacher" : "source")} layer, so leave student.layers out or make the two agree");
        }

        return (from, layers, v.Choice(init, at, "feed_forward_units", "evenly", "magnitude"));
    }

    /// <summary>The stages of <paramref name="parent"/> (the recipe, at <c>stages</c>, or a variant, at <c>variants[i].stages</c>).</summary>
    private List<StageSettings> MapStages(MapNode parent, string parentAt, TeacherSettings? teacher, StudentSettings student)
    {
        var v = _values;
        var stagesAt = KeyPath.Child(parentAt, "stages");
        v.Require(parent, parentAt, "stages", "add at least one stage, e.g. stages: [{epochs: 3, losses: [{type: kd}]}]");
        var list = v.List(parent, parentAt, "stages", "; write each stage as an item: - epochs: 3");
        if (list is null)
        {
            return [];
        }

        if (list.Items.Count == 0)
        {
            v.Error(stagesAt, "must list at least one stage (was empty)");
        }

        var stages = new List<StageSettings>();
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < list.Items.Count; i++)
        {
            var at = KeyPath.Item(stagesAt, i);
            if (list.Items[i] is not MapNode stage)
            {
                v.Error(at, $"must be a mapping with the stage's settings (was {list.Items[i].Describe()})");
                continue;
            }

            v.CheckKeys(stage, at, RecipeSchema.Stage);
            var name = v.Text(stage, at, "name");
            if (name is not null && string.IsNullOrWhiteSpace(name))
            {
                v.Error($"{at}.name", "must not be empty (or leave it out for stage1, stage2, ...)");
            }

            name = string.IsNullOrWhiteSpace(name) ? $"stage{i + 1}" : name;
            if (!names.TryAdd(name, i))
            {
                v.Error(RecipeValues.Present(stage, "name") is null ? at : $"{at}.name",
                    $"'{name}' is also the name of {KeyPath.Item(stagesAt, names[name])}; stage names must differ");
            }

            var defaults = new StageSettings { Name = name, Losses = [] };
            stages.Add(new StageSettings
            {
                Name = name,
                Epochs = v.Int(stage, at, "epochs", 1) ?? defaults.Epochs,
                MaxSteps = v.Long(stage, at, "max_steps", 1),
                LearningRate = v.Number(stage, at, "learning_rate", x => x > 0 && double.IsFinite(x), "> 0") ?? defaults.LearningRate,
                Warmup = v.Number(stage, at, "warmup", x => x is >= 0 and < 1, "in [0, 1)", "; it is the fraction of steps that warm up") ?? defaults.Warmup,
                Decay = v.Choice(stage, at, "decay", "linear", "cosine", "constant") ?? defaults.Decay,
                WeightDecay = v.Number(stage, at, "weight_decay", x => x >= 0 && double.IsFinite(x), ">= 0") ?? defaults.WeightDecay,
                Losses = MapLosses(stage, at, teacher, student),
            });
        }

        return stages;
    }

    /// <summary>
    /// The variants: each a name and its own stages, trained like the distilled student (same student, start, data and
    /// seeds) so that the report can set them side by side.
    /// </summary>
    private List<VariantSettings> MapVariants(TeacherSettings? teacher, StudentSettings student)
    {
        var v = _values;
        var list = v.List(Root, string.Empty, "variants", "; write each variant as an item: - name: kd-only");
        if (list is null)
        {
            return [];
        }

        if (teacher is null && list.Items.Count > 0)
        {
            v.Error("variants", "compare ways of distilling, but the recipe has no teacher; add a teacher section, or remove variants");
        }

        var variants = new List<VariantSettings>();
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < list.Items.Count; i++)
        {
            var at = KeyPath.Item("variants", i);
            if (list.Items[i] is not MapNode variant)
            {
                v.Error(at, $"must be a mapping with a name and stages (was {list.Items[i].Describe()})");
                continue;
            }

            v.CheckKeys(variant, at, RecipeSchema.Variant);
            v.Require(variant, at, "name", "name the variant; it names its folder, variants/<name>/seed-N, and its row in the report");
            var name = v.Text(variant, at, "name");
            if (name is not null && !VariantName().IsMatch(name))
            {
                v.Error($"{at}.name", $"must be letters, digits, '-', '_' or '.', starting with a letter or digit (was '{name}'); it names a folder");
            }
            else if (name is not null && !names.TryAdd(name, i))
            {
                v.Error($"{at}.name", $"'{name}' is also the name of variants[{names[name]}]; variant names must differ");
            }

            variants.Add(new VariantSettings { Name = name ?? string.Empty, Stages = MapStages(variant, at, teacher, student) });
        }

        return variants;
    }

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex VariantName();

    private List<LossTermSettings> MapLosses(MapNode stage, string at, TeacherSettings? teacher, StudentSettings student)
    {
        var v = _values;
        var keys = string.Join(", ", Registry.Value.Keys);
        v.Require(stage, at, "losses", "list the loss terms of this stage, e.g. losses: [{type: kd, temperature: 4}]");
        var list = v.List(stage, at, "losses", "; write each term as an item: - type: kd");
        if (list is null)
        {
            return [];
        }

        if (list.Items.Count == 0)
        {
            v.Error($"{at}.losses", $"must list at least one loss term (was empty); terms: {keys}");
        }

        var losses = new List<LossTermSettings>();
        for (var j = 0; j < list.Items.Count; j++)
        {
            var itemAt = KeyPath.Item($"{at}.losses", j);
            if (list.Items[j] is not MapNode item)
            {
                v.Error(itemAt, $"must be a mapping such as {{type: kd, temperature: 4}} (was {list.Items[j].Describe()})");
                continue;
            }

            v.Require(item, itemAt, "type", $"name the term, one of {keys}");
            var type = v.Text(item, itemAt, "type");
            var warmupEpochs = v.Number(item, itemAt, "warmup_epochs", x => x > 0 && double.IsFinite(x), "> 0");
            var warmupSteps = v.Long(item, itemAt, "warmup_steps", 1);
            if (RecipeValues.Present(item, "warmup_epochs") is not null && RecipeValues.Present(item, "warmup_steps") is not null)
            {
                v.Error(itemAt, "sets both warmup_epochs and warmup_steps; keep one");
            }

            var settings = item.Entries.Where(e => !LossKeys.Contains(e.Key))
                .ToDictionary(e => e.Key, e => RecipeValues.Plain(e.Value), StringComparer.Ordinal);
            if (type is not null)
            {
                CheckLoss(type, settings, itemAt, teacher, student);
            }

            losses.Add(new LossTermSettings
            {
                Type = type ?? string.Empty,
                Weight = v.Number(item, itemAt, "weight", x => x >= 0 && double.IsFinite(x), ">= 0") ?? 1.0,
                WarmupEpochs = warmupEpochs,
                WarmupSteps = warmupSteps,
                Settings = settings,
                KeyPath = itemAt,
            });
        }

        return losses;
    }

    /// <summary>
    /// Builds the term through the loss registry, with placeholder hidden sizes, only to check its key and settings;
    /// the registry's messages go to the user, at the setting they name when they name one.
    /// </summary>
    private void CheckLoss(string type, IReadOnlyDictionary<string, object?> settings, string at, TeacherSettings? teacher, StudentSettings student)
    {
        var v = _values;
        try
        {
            var term = Registry.Value.Create(type, settings, new LossBuildContext { StudentHidden = 1, TeacherHidden = 1, OnWarning = _ => { } });
            (term as IDisposable)?.Dispose();
        }
        catch (ArgumentException e)
        {
            ReportLossError(e.Message, type, settings, at);
            return;
        }

        var architecture = student.Architecture;
        if (type != "ce" && teacher is null)
        {
            v.Error($"{at}.type", $"'{type}' learns from a teacher, but the recipe has no teacher; add a teacher section, or train on labels with ce alone");
        }

        if (TransformerTerms.Contains(type) && StudentOptionsJson.ArchitectureNames.Contains(architecture) && architecture != "transformer")
        {
            v.Error($"{at}.type", $"'{type}' works on a transformer student's layers, and student.architecture is {architecture}; use kd or dkd with this student");
        }

        if (FeatureMapTerms.Contains(type) && StudentOptionsJson.ArchitectureNames.Contains(architecture) && architecture != "image_cnn")
        {
            v.Error($"{at}.type", $"'{type}' works on an image_cnn student's feature maps, and student.architecture is {architecture}; use kd or dkd with this student");
        }
    }

    private void ReportLossError(string message, string type, IReadOnlyDictionary<string, object?> settings, string at)
    {
        var v = _values;
        if (message.StartsWith("Unknown loss ", StringComparison.Ordinal))
        {
            v.Error($"{at}.type", message + Suggestions.DidYouMean(type, Registry.Value.Keys));
            return;
        }

        var unknown = UnknownSetting().Match(message);
        if (unknown.Success)
        {
            var key = unknown.Groups["key"].Value;
            var known = unknown.Groups["known"].Value.Split(", ", StringSplitOptions.RemoveEmptyEntries);
            v.Error(KeyPath.Child(at, key), message + Suggestions.DidYouMean(key, known));
            return;
        }

        // "Loss 'kd': temperature must be > 0 (was 0); ..." → one error per setting, at that setting.
        var prefix = $"Loss '{type}': ";
        if (!message.StartsWith(prefix, StringComparison.Ordinal))
        {
            v.Error(at, message);
            return;
        }

        var groups = new List<(string? Key, string Text)>();
        foreach (var part in message[prefix.Length..].Split("; "))
        {
            var word = part.Split(' ', 2)[0];
            if (settings.ContainsKey(word) || groups.Count == 0)
            {
                groups.Add((settings.ContainsKey(word) ? word : null, part));
            }
            else
            {
                groups[^1] = (groups[^1].Key, groups[^1].Text + "; " + part);
            }
        }

        foreach (var (key, text) in groups)
        {
            if (key is not null && text.StartsWith(key + " ", StringComparison.Ordinal))
            {
                v.Error(KeyPath.Child(at, key), text[(key.Length + 1)..]);
            }
            else
            {
                v.Error(at, prefix + text);
            }
        }
    }

    [GeneratedRegex(@"has no setting '(?<key>[^']*)'\. Known: (?<known>.*)$")]
    private static partial Regex UnknownSetting();

    // The shape of one row's features as the recipe gives it: feature_shape, else the count of the feature columns.
    private static IReadOnlyList<int>? FeatureShapeOf(DataSettings data)
    {
        if (data.IsImageFolder)
        {
            return data.Image is { } image ? [image.Channels, image.Height, image.Width] : null;
        }

        if (data.FeatureShape is { Count: > 0 } shape)
        {
            return shape;
        }

        try
        {
            return [data.Features!.Sum(f => DataColumn.ParseRange(f).Count)];
        }
        catch (DistillException)
        {
            // Reported as data.features' own error.
            return null;
        }
    }
}
