using System.Globalization;
using Distill.Data;

namespace Distill.Recipes.Internal;

/// <summary>A recipe's data, read and labelled: the training rows (with augmented copies), dev and test.</summary>
internal sealed class RecipeData
{
    public required LabelMap Labels { get; init; }

    /// <summary>Display names of the labels, in id order.</summary>
    public required IReadOnlyList<string> LabelNames { get; init; }

    /// <summary>The labelled training rows as read.</summary>
    public required IReadOnlyList<DataRow> Train { get; init; }

    /// <summary>The transfer set: the training rows, then augmented copies and unlabelled texts.</summary>
    public required IReadOnlyList<DataRow> Transfer { get; init; }

    public IReadOnlyList<DataRow>? Dev { get; init; }

    public IReadOnlyList<DataRow>? Test { get; init; }

    /// <summary>The shape of one row's float features (channels first), or null for text.</summary>
    public IReadOnlyList<int>? FeatureShape { get; init; }

    /// <summary>Reads the data of <paramref name="recipe"/>; errors name the file, the line and the column.</summary>
    public static RecipeData Load(Recipe recipe)
    {
        var settings = recipe.Data;
        DataSourceOptions Source(string path) => new()
        {
            Path = path,
            Format = settings.Format is null ? null
                : DataFormatNames.TryParse(settings.Format, out var format) ? format
                : throw RecipeErrors.BadDataFormat(recipe, settings.Format),
            HasHeader = settings.HasHeader,
            Delimiter = settings.Delimiter is { Length: 1 } delimiter ? delimiter[0] : null,
            TextColumns = settings.HasFeatures ? [] : settings.Text.Select(DataColumn.Parse).ToList(),
            FeatureColumns = settings.Features is { Count: > 0 } features ? features.SelectMany(DataColumn.ParseRange).ToList() : [],
            FeatureShape = settings.IsImageFolder ? null : settings.FeatureShape,
            Normalization = settings.Normalization,
            // An image folder's label is its class subfolder.
            LabelColumn = settings.IsImageFolder ? (DataColumn?)null : DataColumn.Parse(settings.Label),
            ImageHeight = settings.Image?.Height,
            ImageWidth = settings.Image?.Width,
            ImageChannels = settings.Image?.Channels ?? 3,
        };

        IEnumerable<DataRow> train = DataSource.Read(Source(settings.Train));
        if (settings.Limit is { } limit)
        {
            train = train.Take(limit);
        }

        var trainRows = train.ToList();
        var labels = settings.Labels is { } explicitLabels
            ? LabelMap.FromLabels(explicitLabels)
            : LabelMap.Infer(trainRows.Select(r => r.Label), Path.GetFileName(settings.Train));
        foreach (var row in trainRows)
        {
            _ = row.Label is null ? 0 : labels.GetId(row.Label);
        }

        List<DataRow>? ReadEval(string? path)
        {
            if (path is null)
            {
                return null;
            }

            IEnumerable<DataRow> rows = DataSource.Read(Source(path), labels);
            return (settings.DevLimit is { } devLimit ? rows.Take(devLimit) : rows).ToList();
        }

        var transfer = new List<DataRow>(trainRows);
        if (settings.Augment is { } augment)
        {
            var augmenter = TransferSetAugmenter.Create(trainRows, new TransferSetAugmentationOptions
            {
                Copies = augment.Copies, MaskProbability = augment.Mask, SwapProbability = augment.Swap, NgramProbability = augment.Ngram,
                Seed = (ulong)augment.Seed, IncludeOriginals = false,
            });
            transfer.AddRange(augmenter.Augment(trainRows));
            var nextId = trainRows.Count == 0 ? 0 : trainRows.Max(r => r.Id) + 1;
            foreach (var file in augment.Unlabelled)
            {
                // Unlabelled texts join as themselves (the teacher labels them) and with their copies, ids after the labelled rows'.
                var unlabelled = DataSource.Read(new DataSourceOptions { Path = file, Format = DataFormat.Lines, TextColumns = [DataColumn.At(0)] })
                    .Select((row, i) => row with { Id = nextId + i, Label = null })
                    .ToList();
                transfer.AddRange(unlabelled);
                transfer.AddRange(augmenter.Augment(unlabelled));
                nextId += unlabelled.Count;
            }
        }

        var names = settings.LabelNames ?? labels.Labels;
        if (names.Count != labels.Count)
        {
            throw RecipeErrors.LabelNameCount(recipe, names.Count, labels.Labels);
        }

        return new RecipeData
        {
            Labels = labels, LabelNames = names, Train = trainRows, Transfer = transfer, Dev = ReadEval(settings.Dev), Test = ReadEval(settings.Test),
            FeatureShape = settings.HasFeatures ? Source(settings.Train).ResolvedFeatureShape : null,
        };
    }
}
