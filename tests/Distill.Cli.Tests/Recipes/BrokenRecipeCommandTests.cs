namespace Distill.Cli.Tests.Recipes;

/// <summary>
/// The folder Recipes/Broken holds recipes and data files that are each wrong in one way. <c>distill recipe</c> must
/// answer each with its exact one-line message (file, line or column, the bad value, the fix) and exit code 2, before
/// anything is trained or written.
/// </summary>
public sealed class BrokenRecipeCommandTests : IDisposable
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Recipes", "Broken");

    private readonly RecipeWorkspace _workspace = new(trainRows: 8, devRows: 8);

    public void Dispose() => _workspace.Dispose();

    public static TheoryData<string, string> Cases => new()
    {
        {
            "malformed-yaml.yaml",
            "malformed-yaml.yaml:14:11 malformed YAML after this point: the parser stopped without finding the end of a flow list, mapping or quoted text; look for an unclosed '[', '{' or quote"
        },
        {
            "unknown-key.yaml",
            "unknown-key.yaml:21 stages[0].losses[0].temprature Loss 'kd' has no setting 'temprature'. Known: temperature, teacher_probabilities; did you mean 'temperature'?"
        },
        { "wrong-type.yaml", "wrong-type.yaml:21 stages[0].losses[0].temperature must be a number (was 'two')" },
        {
            "missing-file.yaml",
            "missing-file.yaml:6 data.train file not found: {DATA}/trian.tsv; relative paths start from the recipe's folder, {FOLDER}"
        },
        {
            "teacher-inputs.yaml",
            "{TEACHER}: the input map names 'token_ids', which is not a model input; the model takes input_ids: int64 [batch, sequence], " +
            "attention_mask: int64 [batch, sequence], token_type_ids: int64 [batch, sequence]; Distill has input_ids, attention_mask, token_type_ids " +
            "(token_type_ids as zeros: single texts); map the model's own input names"
        },
        { "absent-label-column.yaml", "{DATA}/no-label.tsv: no column 'label' for the labels in the header; the columns are: sentence, score; name one of them, or give its 0-based index" },
        { "empty-data-file.yaml", "{DATA}/empty.tsv: the file is empty; expected a header row, then data rows" },
        {
            "teacher-classes.yaml",
            "{TEACHER}: the teacher has 2 classes (output logits: float [batch, 2]) but the data has 3 labels (0, 1, 2); " +
            "set teacher.model to a teacher trained on these 3 labels, or make data.labels list the teacher's 2 classes in its order"
        },
        {
            "output-file.yaml",
            "output-file.yaml:3 output names a file, {TEACHER}; the run writes a folder there: give a folder path (--set output=runs/broken), or move the file"
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Recipe_Should_ExitWith2AndItsExactMessage_When_TheInputIsBroken(string file, string expected)
    {
        // Arrange
        var teacher = _workspace.ExportTeacher();
        var output = _workspace.PathOf("runs", "broken");
        var message = expected.Replace("{DATA}", Path.Combine(Folder, "data")).Replace("{FOLDER}", Folder).Replace("{TEACHER}", teacher);

        // Act
        var (code, text) = RecipeWorkspace.Run("recipe", Path.Combine(Folder, file),
            "--set", $"OUT={output}", "--set", $"TEACHER={teacher}", "--set", $"VOCAB={_workspace.Vocab}");

        // Assert
        code.Should().Be(DistillApp.BadInput, text);
        text.Trim().Should().Be($"error: {message}");
        Directory.Exists(_workspace.PathOf("runs")).Should().BeFalse("nothing is written for bad input: no output folder, no teacher cache");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void DryRun_Should_ExitWith2AndTheSameMessage_When_TheInputIsBroken(string file, string expected)
    {
        // Arrange
        var teacher = _workspace.ExportTeacher();
        var message = expected.Replace("{DATA}", Path.Combine(Folder, "data")).Replace("{FOLDER}", Folder).Replace("{TEACHER}", teacher);

        // Act: what the run refuses, the plan must refuse too
        var (code, text) = RecipeWorkspace.Run("recipe", Path.Combine(Folder, file), "--dry-run",
            "--set", $"OUT={_workspace.PathOf("runs", "broken")}", "--set", $"TEACHER={teacher}", "--set", $"VOCAB={_workspace.Vocab}");

        // Assert
        code.Should().Be(DistillApp.BadInput, text);
        text.Trim().Should().Be($"error: {message}");
    }
}
