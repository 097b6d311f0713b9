using Distill.Data;

namespace Distill.Recipes;

/// <summary>The data of a recipe (key <c>data</c>). Paths are relative to the recipe file unless absolute.</summary>
public sealed record DataSettings
{
    /// <summary>Training file (the transfer set). Key <c>train</c>, required.</summary>
    public required string Train { get; init; }

    /// <summary>Dev file, evaluated after each epoch and in the report. Key <c>dev</c>.</summary>
    public string? Dev { get; init; }

    /// <summary>Test file, evaluated once at the end. Key <c>test</c>.</summary>
    public string? Test { get; init; }

    /// <summary>tsv, csv, jsonl, lines or image_folder (<see cref="DataFormatNames"/>); default from the extension. Key <c>format</c>.</summary>
    public string? Format { get; init; }

    /// <summary>Whether the files have a header row. Key <c>has_header</c>, default true.</summary>
    public bool HasHeader { get; init; } = true;

    /// <summary>Field separator for delimited files (e.g. ";"); default from the format. Key <c>delimiter</c>.</summary>
    public string? Delimiter { get; init; }

    /// <summary>The text column(s): one, or two for sentence pairs; names or 0-based indexes. Key <c>text</c>, default [sentence].</summary>
    public IReadOnlyList<string> Text { get; init; } = ["sentence"];

    /// <summary>The label column (name or index). Key <c>label</c>, default label.</summary>
    public string Label { get; init; } = "label";

    /// <summary>Label values in the teacher's output order; default inferred (integers as themselves, else sorted). Key <c>labels</c>.</summary>
    public IReadOnlyList<string>? Labels { get; init; }

    /// <summary>Display names of the labels, in id order (e.g. [negative, positive] for SST-2's 0 and 1). Key <c>label_names</c>.</summary>
    public IReadOnlyList<string>? LabelNames { get; init; }

    /// <summary>Use only the first N training rows. Key <c>limit</c>.</summary>
    public int? Limit { get; init; }

    /// <summary>Use only the first N dev (and test) rows. Key <c>dev_limit</c>.</summary>
    public int? DevLimit { get; init; }

    /// <summary>Augmented copies of each training row (Tang et al. 2019), labelled by the teacher. Key <c>augment</c>.</summary>
    public AugmentSettings? Augment { get; init; }

    /// <summary>
    /// The float feature columns of tabular or image data instead of text: names, 0-based indexes, or inclusive
    /// ranges <c>first..last</c> (<c>p0..p783</c>, <c>1..784</c>; <see cref="DataColumn.ParseRange"/>). Key
    /// <c>features</c>; null for text.
    /// </summary>
    public IReadOnlyList<string>? Features { get; init; }

    /// <summary>The shape of one row's features, channels first (<c>[1, 28, 28]</c>); default a vector. Key <c>feature_shape</c>.</summary>
    public IReadOnlyList<int>? FeatureShape { get; init; }

    /// <summary>
    /// How features are scaled before the teacher and the student see them: <c>(x·scale − mean[c]) / std[c]</c>
    /// per channel (<see cref="FeatureNormalization"/>). Key <c>normalization: {scale, mean, std}</c>; default none.
    /// </summary>
    public FeatureNormalization Normalization { get; init; } = FeatureNormalization.None;

    /// <summary>
    /// For an image folder (<c>format: image_folder</c>, or a folder as <c>train</c>): the size images are resized to and
    /// their channels (1 grayscale, 3 RGB), as the teacher takes them. Key <c>image: {height, width, channels}</c>.
    /// </summary>
    public ImageSettings? Image { get; init; }

    /// <summary>True when the data is an image folder.</summary>
    public bool IsImageFolder => Format == DataFormatNames.Of(DataFormat.ImageFolder);

    /// <summary>True when the rows are float features (columns or images), not text.</summary>
    public bool HasFeatures => Features is { Count: > 0 } || IsImageFolder;
}

/// <summary>Transfer-set augmentation (key <c>data.augment</c>).</summary>
public sealed record AugmentSettings
{
    /// <summary>Copies per row, ≥ 1. Key <c>copies</c>, required.</summary>
    public required int Copies { get; init; }

    /// <summary>Key <c>mask</c>, default 0.1.</summary>
    public double Mask { get; init; } = 0.1;

    /// <summary>Key <c>swap</c>, default 0.1.</summary>
    public double Swap { get; init; } = 0.1;

    /// <summary>Key <c>ngram</c>, default 0.25.</summary>
    public double Ngram { get; init; } = 0.25;

    /// <summary>Key <c>seed</c>, default 0.</summary>
    public int Seed { get; init; }

    /// <summary>Extra unlabelled in-domain text files (one text per line), added to the transfer set. Key <c>unlabelled</c>.</summary>
    public IReadOnlyList<string> Unlabelled { get; init; } = [];
}

/// <summary>How an image folder's images are read (key <c>data.image</c>).</summary>
public sealed record ImageSettings
{
    /// <summary>Height in pixels the images are resized to. Key <c>height</c>, required.</summary>
    public required int Height { get; init; }

    /// <summary>Width in pixels. Key <c>width</c>, required.</summary>
    public required int Width { get; init; }

    /// <summary>1 (grayscale) or 3 (RGB). Key <c>channels</c>, default 3.</summary>
    public int Channels { get; init; } = 3;
}
