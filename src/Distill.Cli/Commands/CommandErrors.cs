using Distill.Cache;
using Distill.Data;
using Distill.Data.Download;
using Distill.Data.Pretrained;
using Distill.Students.Checkpoints;

namespace Distill.Cli.Commands;

/// <summary>
/// The errors of the CLI's commands that Distill.Core does not report itself, each one line that names the option or
/// file, the value seen and what to do. All are <see cref="DistillErrorKind.InvalidInput"/>: <see cref="DistillApp"/>
/// prints them and exits with code 2, as nothing will change until the command line does.
/// </summary>
internal static class CommandErrors
{
    public static DistillException TooFewLabels(string? labels) =>
        new(DistillErrorKind.InvalidInput, $"--labels: give at least two class names, comma-separated (was '{labels}')");

    public static DistillException LabelCount(int names, int classes) =>
        new(DistillErrorKind.InvalidInput,
            $"--labels: {names} names for a classifier of {classes} classes; give {classes} names or leave the option out");

    public static DistillException VocabNotFound(string vocab) =>
        new(DistillErrorKind.InvalidInput, $"--vocab: {vocab}: file not found; pass the model's vocab.txt or leave the option out");

    public static DistillException UnknownDataSetOrModel(string name) =>
        new(DistillErrorKind.InvalidInput,
            $"unknown data set or model '{name}'; known data sets: {DataSetCatalog.Names}; known models: {PretrainedModelCatalog.Names}");

    public static DistillException SourceNeedsModel(DataSetDefinition dataSet) =>
        new(DistillErrorKind.InvalidInput,
            $"--source applies to pretrained models ({PretrainedModelCatalog.Names}); {dataSet.Name} is a data set: give a mirror with --url instead");

    public static DistillException UrlNeedsDataSet(PretrainedModelDefinition model) =>
        new(DistillErrorKind.InvalidInput,
            $"--url and --sha256 apply to data sets; {model.Name} is a pretrained model, taken from its known sources " +
            $"({string.Join(", ", model.Sources.Select(s => s.Name))}) with their own checksums: choose one with --source instead");

    public static DistillException BadUrl(string text) =>
        new(DistillErrorKind.InvalidInput, $"--url must be an absolute http:// or https:// URL (was '{text}')");

    public static DistillException NotInspectable(string path) =>
        new(DistillErrorKind.InvalidInput,
            $"{path}: neither an .onnx file, a teacher cache (no {TeacherCacheManifest.FileName}) nor a student checkpoint (no {StudentCheckpoint.ManifestFileName})");

    public static DistillException RecipeExcludesInputs() =>
        new(DistillErrorKind.InvalidInput, "--recipe takes the teacher, data and vocabulary from the recipe; leave out --teacher, --data and --vocab");

    public static DistillException BadCacheFormat(string text) =>
        new(DistillErrorKind.InvalidInput, $"--format must be {DataFormatNames.List(DataFormatNames.Text)} (was '{text}')");

    public static DistillException BadNumberList(string option, string text) =>
        new(DistillErrorKind.InvalidInput, $"{option} must be a comma-separated list of numbers from 0, e.g. 1,3 (was '{text}')");

    public static DistillException Required(string option, string what) =>
        new(DistillErrorKind.InvalidInput, $"{option} is required: {what}");
}
