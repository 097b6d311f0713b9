using Distill.Recipes;

namespace Distill.Core.Tests.Recipes;

public sealed class RecipeValidationTests : IDisposable
{
    private static readonly Dictionary<string, string> NoEnvironment = new();

    private readonly RecipeFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private IReadOnlyList<string> Errors(string yaml, params string[] overrides)
    {
        var path = _folder.Write("r.yaml", yaml);
        return FluentActions.Invoking(() => RecipeLoader.Load(path, overrides, environment: NoEnvironment))
            .Should().Throw<RecipeException>().Which.Errors;
    }

    [Fact]
    public void Load_Should_NameEveryMissingRequiredKey_When_TheRecipeLacksThem()
    {
        Errors("name: bare\n").Should().Equal(
            "r.yaml data is required; add a data section with at least train: path/to/train.tsv",
            "r.yaml student is required; add a student section, e.g. student: {architecture: transformer, layers: 4, hidden: 312, heads: 12, intermediate: 1200}",
            "r.yaml stages is required; add at least one stage, e.g. stages: [{epochs: 3, losses: [{type: kd}]}]");
    }

    [Fact]
    public void Load_Should_PointAtTheSection_When_ARequiredKeyInsideItIsMissing()
    {
        const string yaml = """
            data:
              dev: data/dev.tsv
            teacher:
              lower_case: true
            student:
              layers: 2
            stages:
              - epochs: 1
              - losses: []
            """;

        Errors(yaml).Should().Equal(
            "r.yaml:1 data.train is required; give the training file (the transfer set), e.g. train: data/train.tsv",
            "r.yaml:3 teacher.model is required; give the teacher's ONNX file, e.g. model: models/bert-sst2.onnx",
            "r.yaml:3 teacher.vocab is required; give the teacher's vocab.txt (WordPiece), e.g. vocab: models/vocab.txt",
            "r.yaml:5 student.architecture is required; choose one of transformer, bilstm, text_cnn, mlp, image_cnn",
            "r.yaml:8 stages[0].losses is required; list the loss terms of this stage, e.g. losses: [{type: kd, temperature: 4}]",
            "r.yaml:9 stages[1].losses must list at least one loss term (was empty); terms: ce, kd, dkd, at, attention_mse, attention_kl, value_relation, hidden_mse, cosine, blockwise_logit");
    }

    [Fact]
    public void Load_Should_NameTheVariantAndItsKey_When_AVariantIsWrong()
    {
        const string yaml = """
            data:
              train: data/train.tsv
            teacher:
              model: models/teacher.onnx
              vocab: models/vocab.txt
            student:
              architecture: bilstm
            stages:
              - losses: [{type: kd}]
            variants:
              - name: kd-only
                stages:
                  - losses: [{type: kd, temprature: 2}]
              - name: kd-only
                stages: []
              - name: "../out"
                stage:
                  - losses: [{type: ce}]
              - stages:
                  - name: a
                    losses: [{type: ce}]
                  - name: a
                    losses: [{type: ce}]
            """;

        Errors(yaml).Should().Equal(
            "r.yaml:13 variants[0].stages[0].losses[0].temprature Loss 'kd' has no setting 'temprature'. Known: temperature, teacher_probabilities; did you mean 'temperature'?",
            "r.yaml:14 variants[1].name 'kd-only' is also the name of variants[0]; variant names must differ",
            "r.yaml:15 variants[1].stages must list at least one stage (was empty)",
            "r.yaml:16 variants[2].name must be letters, digits, '-', '_' or '.', starting with a letter or digit (was '../out'); it names a folder",
            "r.yaml:16 variants[2].stages is required; add at least one stage, e.g. stages: [{epochs: 3, losses: [{type: kd}]}]",
            "r.yaml:17 variants[2].stage is not a key of variants[2]; did you mean 'stages'? Valid keys: name, stages",
            "r.yaml:19 variants[3].name is required; name the variant; it names its folder, variants/<name>/seed-N, and its row in the report",
            "r.yaml:22 variants[3].stages[1].name 'a' is also the name of variants[3].stages[0]; stage names must differ");
    }

    [Fact]
    public void Load_Should_RefuseVariants_When_TheRecipeHasNoTeacher()
    {
        const string yaml = """
            data:
              train: data/train.tsv
            student:
              architecture: bilstm
              vocab: models/vocab.txt
            stages:
              - losses: [{type: ce}]
            variants:
              - name: longer
                stages:
                  - epochs: 5
                    losses: [{type: ce}]
            """;

        Errors(yaml).Should().Equal(
            "r.yaml:8 variants compare ways of distilling, but the recipe has no teacher; add a teacher section, or remove variants");
    }

    [Fact]
    public void Load_Should_CheckEveryRange_When_ValuesAreOutOfBounds()
    {
        const string yaml = """
            seeds: []
            device: tpu
            data:
              train: data/train.tsv
              text: [a, b, c]
              limit: 0
              augment: {copies: 0, mask: 0.7, swap: 0.6}
            teacher:
              model: models/teacher.onnx
              vocab: models/vocab.txt
              max_length: 2
            cache: {dtype: float8, rows_per_shard: 0}
            student: {architecture: transformer, hidden: 300, heads: 7}
            training: {max_grad_norm: -1, selection_metric: f1}
            stages:
              - learning_rate: 0
                warmup: 1
                weight_decay: -0.1
                max_steps: 0
                losses: [{type: kd, weight: -1, warmup_epochs: 0}]
            baseline: {epochs: 0}
            export: {opset: 13}
            """;

        Errors(yaml).Should().Equal(
            "r.yaml:1 seeds must list at least one seed (was empty), e.g. [42]",
            "r.yaml:2 device must be auto, cpu, cuda or cuda:N with N a GPU number (was 'tpu')",
            "r.yaml:5 data.text must name one text column, or two for sentence pairs (was 3)",
            "r.yaml:6 data.limit must be >= 1 (was 0)",
            "r.yaml:7 data.augment mask + swap must be <= 1, since a word is masked or swapped, not both (was 1.3)",
            "r.yaml:7 data.augment.copies must be >= 1 (was 0); the paper used up to 20",
            "r.yaml:11 teacher.max_length must be >= 3 (was 2); [CLS] and [SEP] take two tokens",
            "r.yaml:12 cache.dtype must be float16 or float32 (was 'float8'); did you mean 'float16'?",
            "r.yaml:12 cache.rows_per_shard must be >= 1 (was 0)",
            "r.yaml:13 student hidden (300) must be divisible by heads (7)",
            "r.yaml:14 training.max_grad_norm must be >= 0 (was -1); 0 turns clipping off",
            "r.yaml:14 training.selection_metric must be accuracy or macro_f1 (was 'f1')",
            "r.yaml:16 stages[0].learning_rate must be > 0 (was 0)",
            "r.yaml:17 stages[0].warmup must be in [0, 1) (was 1); it is the fraction of steps that warm up",
            "r.yaml:18 stages[0].weight_decay must be >= 0 (was -0.1)",
            "r.yaml:19 stages[0].max_steps must be >= 1 (was 0)",
            "r.yaml:20 stages[0].losses[0].warmup_epochs must be > 0 (was 0)",
            "r.yaml:20 stages[0].losses[0].weight must be >= 0 (was -1)",
            "r.yaml:21 baseline.epochs must be >= 1 (was 0)",
            "r.yaml:22 export.opset must be >= 17 (was 13); LayerNormalization needs opset 17");
    }

    [Fact]
    public void Load_Should_ReportWrongTypes_When_ValuesHaveTheWrongShape()
    {
        const string yaml = """
            seeds: 42
            data:
              train: data/train.tsv
              has_header: yes
              labels: {a: 1}
            teacher: models/teacher.onnx
            student: {architecture: bilstm, vocab: models/vocab.txt, pooling: average, dropout: high}
            stages:
              - losses: [kd]
              - 3
            baseline: true
            """;

        Errors(yaml).Should().Equal(
            "r.yaml:1 seeds must be a list (was '42'); write seeds: [42], or several seeds: [1, 2, 3]",
            "r.yaml:4 data.has_header must be true or false (was 'yes')",
            "r.yaml:5 data.labels must be a list (was a mapping)",
            "r.yaml:6 teacher must be a mapping (was 'models/teacher.onnx'); leave it out to train the student on labels alone",
            "r.yaml:7 student.pooling must be one of last, max, mean (was 'average')",
            "r.yaml:7 student.dropout must be a number (was 'high')",
            "r.yaml:9 stages[0].losses[0] must be a mapping such as {type: kd, temperature: 4} (was 'kd')",
            "r.yaml:10 stages[1] must be a mapping with the stage's settings (was '3')",
            "r.yaml:11 baseline must be a mapping (was 'true'); write baseline: {} for the defaults, or leave it out for no baseline");
    }

    [Fact]
    public void Load_Should_CheckWhatEachLossNeeds_When_TheStudentOrTeacherCannotProvideIt()
    {
        const string yaml = """
            data: {train: data/train.tsv}
            student: {architecture: bilstm, vocab: models/vocab.txt}
            stages:
              - losses:
                  - type: kd
                  - type: attention_mse
                  - type: at
                  - type: ce
                    label_smoothing: 1
            """;

        Errors(yaml).Should().Equal(
            "r.yaml:5 stages[0].losses[0].type 'kd' learns from a teacher, but the recipe has no teacher; add a teacher section, or train on labels with ce alone",
            "r.yaml:6 stages[0].losses[1].type 'attention_mse' learns from a teacher, but the recipe has no teacher; add a teacher section, or train on labels with ce alone",
            "r.yaml:6 stages[0].losses[1].type 'attention_mse' works on a transformer student's layers, and student.architecture is bilstm; use kd or dkd with this student",
            "r.yaml:7 stages[0].losses[2].type 'at' learns from a teacher, but the recipe has no teacher; add a teacher section, or train on labels with ce alone",
            "r.yaml:7 stages[0].losses[2].type 'at' works on an image_cnn student's feature maps, and student.architecture is bilstm; use kd or dkd with this student",
            "r.yaml:9 stages[0].losses[3].label_smoothing must be in [0, 1) (was 1)");
    }

    [Fact]
    public void Load_Should_AskForAVocab_When_ATextStudentHasNoTeacher()
    {
        const string yaml = """
            data: {train: data/train.tsv}
            student: {architecture: text_cnn}
            stages: [{losses: [{type: ce}]}]
            """;

        Errors(yaml).Should().Equal(
            "r.yaml:2 student needs a vocab.txt for its text_cnn tokenizer: set student.vocab, add a teacher whose vocab it shares, or start it from a pretrained model (init.from)");
    }

    [Fact]
    public void Load_Should_TrainOnLabelsAlone_When_ThereIsNoTeacher()
    {
        const string yaml = """
            data: {train: data/train.tsv}
            student: {architecture: text_cnn, vocab: models/vocab.txt, filter_widths: [2, 3]}
            stages: [{losses: [{type: ce, label_smoothing: 0.1}]}]
            """;
        var path = _folder.Write("labels.yaml", yaml);

        var recipe = RecipeLoader.Load(path, environment: NoEnvironment);

        recipe.Teacher.Should().BeNull();
        recipe.Student.Settings["filter_widths"].Should().BeEquivalentTo(new List<object?> { 2, 3 });
        recipe.Stages[0].Losses[0].Settings["label_smoothing"].Should().Be(0.1);
    }

    [Fact]
    public void Load_Should_AcceptAFolder_When_TheFormatIsImageFolder()
    {
        Directory.CreateDirectory(Path.Combine(_folder.Root, "images", "cat"));
        const string yaml = """
            data: {train: images, format: image_folder, image: {height: 32, width: 32}}
            student: {architecture: image_cnn, input_channels: 3}
            stages: [{losses: [{type: ce}]}]
            """;
        var path = _folder.Write("images.yaml", yaml);

        var recipe = RecipeLoader.Load(path, environment: NoEnvironment);

        recipe.Data.Train.Should().Be(_folder.PathOf("images"));
        recipe.Data.Format.Should().Be("image_folder");
        recipe.Data.Image.Should().Be(new ImageSettings { Height = 32, Width = 32, Channels = 3 });
    }

    [Fact]
    public void Load_Should_Ask_For_The_Image_Size_Of_An_Image_Folder()
    {
        Directory.CreateDirectory(Path.Combine(_folder.Root, "images", "cat"));

        Errors("""
            data: {train: images, format: image_folder}
            student: {architecture: image_cnn}
            stages: [{losses: [{type: ce}]}]
            """).Should().Equal(
            "r.yaml:1 data.image is required for an image folder; give the size the teacher takes, e.g. image: {height: 28, width: 28, channels: 1}");
    }

    [Fact]
    public void Load_Should_AskForTheFormat_When_TheExtensionDoesNotSayIt()
    {
        File.WriteAllText(_folder.PathOf("data", "train.txt"), "a film\t1\n");
        const string yaml = """
            data: {train: data/train.txt}
            student: {architecture: bilstm, vocab: models/vocab.txt}
            stages: [{losses: [{type: ce}]}]
            """;

        Errors(yaml).Should().Equal(
            "r.yaml:1 data.train has the extension '.txt', which does not say its format; set data.format to tsv, csv, jsonl, lines or image_folder");
    }

    [Fact]
    public void Load_Should_ExplainTheTeacher_When_NeitherItsModelNorItsRecipeExists()
    {
        const string yaml = """
            data: {train: data/train.tsv}
            teacher: {model: models/missing.onnx, vocab: models/vocab.txt}
            student: {architecture: bilstm}
            stages: [{losses: [{type: kd}]}]
            """;

        Errors(yaml).Should().Equal(
            $"r.yaml:2 teacher.model file not found: {_folder.PathOf("models", "missing.onnx")}; relative paths start from the " +
            $"recipe's folder, {Path.GetFullPath(_folder.Root)}, or set teacher.recipe to a recipe that trains and exports the teacher");
        Errors(yaml.Replace("vocab: models", "recipe: teacher.yaml, vocab: models")).Should().Equal(
            $"r.yaml:2 teacher.recipe file not found: {_folder.PathOf("teacher.yaml")}; the teacher needs its model " +
            $"({_folder.PathOf("models", "missing.onnx")}, which does not exist either) or this recipe; relative paths start from the " +
            $"recipe's folder, {Path.GetFullPath(_folder.Root)}");
    }

    [Fact]
    public void Load_Should_CheckEveryInputFile_When_SomeAreMissingOrFolders()
    {
        const string yaml = """
            data:
              train: data
              test: data/nope.tsv
              augment: {copies: 2, unlabelled: [data/unlabelled.txt, data/more.txt]}
            teacher: {model: models/teacher.onnx, vocab: models/vocab.txt}
            student: {architecture: bilstm, vocab: models/student-vocab.txt}
            stages: [{losses: [{type: kd}]}]
            """;
        var folder = Path.GetFullPath(_folder.Root);

        Errors(yaml).Should().Equal(
            $"r.yaml:2 data.train is a folder, not a file: {_folder.PathOf("data")}; give the file in it",
            $"r.yaml:3 data.test file not found: {_folder.PathOf("data", "nope.tsv")}; relative paths start from the recipe's folder, {folder}",
            $"r.yaml:4 data.augment.unlabelled[1] file not found: {_folder.PathOf("data", "more.txt")}; relative paths start from the recipe's folder, {folder}",
            $"r.yaml:6 student.vocab file not found: {_folder.PathOf("models", "student-vocab.txt")}; relative paths start from the recipe's folder, {folder}");
    }

    [Fact]
    public void Load_Should_CheckTheStudentsInitialisation_When_ItDisagreesWithTheStudent()
    {
        const string yaml = """
            data: {train: data/train.tsv}
            teacher: {model: models/teacher.onnx, vocab: models/vocab.txt}
            student:
              architecture: transformer
              layers: 4
              init: {from: checkpoint, layers: [0, 2, -1]}
            stages: [{losses: [{type: kd}]}]
            """;

        Errors(yaml).Should().Equal(
            $"r.yaml:6 student.init.from is 'checkpoint': neither teacher, a catalog model (all-minilm-l6-v2) nor a file or folder ({_folder.PathOf("checkpoint")}); " +
            "name the teacher, a catalog model, an .onnx export or a Hugging Face checkpoint folder",
            "r.yaml:6 student.init.layers[2] must be >= 0 (was -1)");
        Errors(yaml.Replace("checkpoint", "teacher").Replace(", -1", "")).Should().Equal(
            "r.yaml:6 student.init.layers lists 2 teacher layers but student.layers is 4; the student gets one layer per listed teacher layer, " +
            "so leave student.layers out or make the two agree");
    }

    [Fact]
    public void Load_Should_RejectRepeatedNames_When_TwoStagesShareOne()
    {
        const string yaml = """
            data: {train: data/train.tsv}
            teacher: {model: models/teacher.onnx, vocab: models/vocab.txt}
            student: {architecture: bilstm}
            stages:
              - {name: stage2, losses: [{type: kd}]}
              - {losses: [{type: kd, warmup_epochs: 1, warmup_steps: 10}]}
            """;

        Errors(yaml).Should().Equal(
            "r.yaml:6 stages[1] 'stage2' is also the name of stages[0]; stage names must differ",
            "r.yaml:6 stages[1].losses[0] sets both warmup_epochs and warmup_steps; keep one");
    }

    [Fact]
    public void Load_Should_ReportDuplicateKeysAndUnknownAliases_When_TheYamlHasThem()
    {
        const string yaml = """
            name: one
            data: {train: data/train.tsv}
            name: two
            student: *nothing
            """;

        Errors(yaml).Should().Equal(
            "r.yaml:3 name is written twice (first at line 1); keep one",
            "r.yaml:4 student uses alias *nothing, but no anchor &nothing comes before it");
    }

    [Fact]
    public void Load_Should_CopyAnchoredValues_When_AnAliasRepeatsThem()
    {
        const string yaml = """
            data: {train: data/train.tsv}
            teacher: {model: models/teacher.onnx, vocab: models/vocab.txt}
            student: {architecture: bilstm}
            stages:
              - &stage {epochs: 2, losses: [{type: kd}]}
              - *stage
            """;
        var path = _folder.Write("alias.yaml", yaml);

        var recipe = RecipeLoader.Load(path, ["stages[1].epochs=5"], environment: NoEnvironment);

        recipe.Stages.Select(s => (s.Name, s.Epochs)).Should().Equal(("stage1", 2), ("stage2", 5));
    }

    [Theory]
    [InlineData("", "r.yaml is empty; a recipe needs at least data, student and stages")]
    [InlineData("- data\n- student\n", "r.yaml:1 must be a mapping of keys (data:, student:, stages:, ...) at the top (was a list)")]
    [InlineData("name: a\n---\nname: b\n", "r.yaml:2:1 starts a second YAML document ('---'); a recipe is one document: remove the '---' and what follows, or merge it into the first")]
    [InlineData("name: a\nseeds: [1, 2\n", "r.yaml:3:1 malformed YAML: While parsing a flow sequence, did not find expected ',' or ']'.")]
    [InlineData("name: a\nseeds: [1, 2\ndata: {}\n", "r.yaml:2:9 malformed YAML after this point: the parser stopped without finding the end of a flow list, mapping or quoted text; look for an unclosed '[', '{' or quote")]
    [InlineData("name: a\ndata: {train: x\nstudent: {}\n", "r.yaml:2:8 malformed YAML after this point: the parser stopped without finding the end of a flow list, mapping or quoted text; look for an unclosed '[', '{' or quote")]
    [InlineData("!!map\nname: a\n", "r.yaml:1:1 has the YAML tag '!!map'; tags are not allowed, because a recipe is data and never creates objects or runs code: remove the tag (quote the value if it is text)")]
    public void Load_Should_StopAtTheYaml_When_ItIsNotOneMappingDocument(string yaml, string error)
    {
        Errors(yaml).Should().Equal(error);
    }

    [Fact]
    public void Load_Should_RejectTagsEverywhere_When_TheyAreNested()
    {
        const string yaml = """
            data: {train: !include data/train.tsv}
            stages:
              - losses: !!python/object:builtins.list [1]
            """;

        Errors(yaml).Should().Equal(
            "r.yaml:1 data.train has the YAML tag '!include'; tags are not allowed, because a recipe is data and never creates objects or runs code: remove the tag (quote the value if it is text)",
            "r.yaml:3 stages[0].losses has the YAML tag '!!python/object:builtins.list'; tags are not allowed, because a recipe is data and never creates objects or runs code: remove the tag (quote the value if it is text)");
    }

    [Fact]
    public void Load_Should_SuggestAnUnknownTopLevelKey_When_ItIsCloseToOne()
    {
        const string yaml = """
            data: {train: data/train.tsv}
            teacher: {model: models/teacher.onnx, vocab: models/vocab.txt}
            student: {architecture: bilstm}
            stages: [{losses: [{type: kd}], epoch: 2}]
            seed: 1
            """;

        Errors(yaml).Should().Equal(
            "r.yaml:4 stages[0].epoch is not a key of stages[0]; did you mean 'epochs'? Valid keys: name, epochs, max_steps, learning_rate, warmup, decay, weight_decay, losses",
            "r.yaml:5 seed is not a key of a recipe; did you mean 'seeds'? Valid keys: name, seeds, output, device, data, teacher, cache, student, training, stages, variants, baseline, export, report, profiles");
    }
}
