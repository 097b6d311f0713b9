using Distill.Data;
using Distill.Teacher;

namespace Distill.Recipes.Internal;

/// <summary>
/// The errors of running a recipe, each one line that names the recipe key (<c>file.yaml:LINE key.path</c>, from
/// <see cref="Recipe.Where"/>), the output folder or the file, the value seen and what to do. A recipe, setting or
/// file that does not fit is <see cref="DistillErrorKind.InvalidInput"/> (exit code 2: nothing will change until the
/// user changes it); a run that went ahead and did not produce what it should is <see cref="DistillErrorKind.RunFailed"/>
/// (exit code 1). Errors found while loading, with their lines, are collected by <see cref="RecipeErrorList"/> and
/// thrown together as a <see cref="RecipeException"/> instead.
/// </summary>
internal static class RecipeErrors
{
    /// <summary>Every problem of the student settings at once, each with its <c>student.</c> key when it has one.</summary>
    public static DistillException InvalidStudentSettings(IEnumerable<(string? Key, string Message)> problems) =>
        new(DistillErrorKind.InvalidInput,
            "Invalid student settings: " + string.Join("; ", problems.Select(p => p.Key is null ? p.Message : $"student.{p.Key} {p.Message}")));

    public static DistillException OutputHoldsFinishedRun(string output, string recipeName) =>
        new(DistillErrorKind.InvalidInput,
            $"{output}: holds a finished run of '{recipeName}'; keep it and choose another folder (--set output=...), or replace it with --overwrite");

    public static DistillException OutputHoldsInterruptedRun(string output, string recipeName) =>
        new(DistillErrorKind.InvalidInput,
            $"{output}: holds an interrupted run of '{recipeName}'; continue it with --resume, or start over with --overwrite");

    public static DistillException TeacherModelMissing(Recipe recipe, string model) =>
        new(DistillErrorKind.InvalidInput,
            $"{recipe.Where("teacher.model")}: {model} does not exist; export your teacher there, or give teacher.recipe to train one");

    public static DistillException TeacherRecipeWroteNoModel(Recipe recipe, string runOutput, string model) =>
        new(DistillErrorKind.RunFailed,
            $"{recipe.Where("teacher.recipe")}: the teacher recipe ran (outputs in {runOutput}) but did not write {model}; set its export.path to that file");

    public static DistillException TeacherClassCount(string teacherPath, long classes, TeacherTensorInfo logits, int labels, IEnumerable<string> labelNames) =>
        new(DistillErrorKind.InvalidInput,
            $"{teacherPath}: the teacher has {classes} classes (output {logits}) but the data has {labels} labels ({string.Join(", ", labelNames)}); " +
            $"set teacher.model to a teacher trained on these {labels} labels, or make data.labels list the teacher's {classes} classes in its order");

    public static DistillException BadTeacherInput(Recipe recipe, string input, string value) =>
        new(DistillErrorKind.InvalidInput,
            $"{recipe.Where($"teacher.inputs.{input}")} must be {string.Join(", ", TeacherInputNames.Kinds.SkipLast(1).Select(TeacherInputNames.Of))} or {TeacherInputNames.Of(TeacherInputNames.Kinds[^1])} (was '{value}')");

    /// <summary>The loss registry refused a term's settings; its message says why.</summary>
    public static DistillException BadLossTerm(Recipe recipe, string keyPath, ArgumentException error) =>
        new(DistillErrorKind.InvalidInput, $"{recipe.Where(keyPath)}: {error.Message}", error);

    public static DistillException BadDataFormat(Recipe recipe, string format) =>
        new(DistillErrorKind.InvalidInput,
            $"{recipe.Where("data.format")} must be {DataFormatNames.List(DataFormatNames.All)} (was '{format}')");

    public static DistillException LabelNameCount(Recipe recipe, int names, IReadOnlyList<string> labels) =>
        new(DistillErrorKind.InvalidInput,
            $"{recipe.Where("data.label_names")} has {names} names for {labels.Count} labels ({string.Join(", ", labels)}); give one name per label, in label order");

    public static DistillException NoStudentVocab(Recipe recipe) =>
        new(DistillErrorKind.InvalidInput,
            $"{recipe.Where("student.vocab")}: a recipe without a teacher needs student.vocab (the student's vocab.txt)");

    public static DistillException PretrainedVocabSize(Recipe recipe, string vocab, int tokens, string pretrained, int trainedWith) =>
        new(DistillErrorKind.InvalidInput,
            $"{recipe.Where("student.vocab")}: {vocab} has {tokens} tokens but {pretrained} was trained with {trainedWith}; use the model's own vocab.txt (leave student.vocab out)");

    public static DistillException PretrainedShapeDiffers(Recipe recipe, string key, object mine, string pretrained, object theirs) =>
        new(DistillErrorKind.InvalidInput,
            $"{recipe.Where($"student.{key}")}: is {mine} but the pretrained model {pretrained} has {theirs}; leave student.{key} out (a student started from it shares it)");

    public static DistillException PretrainedLayerOutOfRange(Recipe recipe, int layer, string pretrained, int layers) =>
        new(DistillErrorKind.InvalidInput,
            $"{recipe.Where("student.init.layers")}: lists layer {layer}, but {pretrained} has {layers} layers (0 to {layers - 1})");

    public static DistillException WiderThanPretrained(Recipe recipe, string key, int mine, string pretrained, int theirs) =>
        new(DistillErrorKind.InvalidInput,
            $"{recipe.Where($"student.{key}")}: is {mine}, more than the pretrained model {pretrained} has ({theirs}); a student started from it can be narrower or shallower, not wider");

    public static DistillException HeadsWiderThanPretrained(Recipe recipe, int heads, int hidden, int headSize, string pretrained, int pretrainedHeadSize) =>
        new(DistillErrorKind.InvalidInput,
            $"{recipe.Where("student.heads")}: {heads} heads of hidden {hidden} are {headSize} wide, more than {pretrained}'s heads ({pretrainedHeadSize}); use at least {(hidden + pretrainedHeadSize - 1) / pretrainedHeadSize} heads");

    public static DistillException NothingToExport() =>
        new(DistillErrorKind.RunFailed, "no student was trained, so there is nothing to export");

    public static DistillException ImageCnnNeedsImageShape(Recipe recipe, IReadOnlyList<int> featureShape) =>
        new(DistillErrorKind.InvalidInput,
            $"{recipe.Where("data.feature_shape")}: an image_cnn student reads [channels, height, width] (was [{string.Join(", ", featureShape)}]); set data.feature_shape, e.g. [1, 28, 28]");

    public static DistillException StudentReadsText(Recipe recipe, string architecture) =>
        new(DistillErrorKind.InvalidInput,
            $"{recipe.Where("student.architecture")}: a {architecture} student reads text, and data.features gives float features; use mlp or image_cnn");
}
