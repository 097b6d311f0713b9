using System.Text.Json.Serialization;

namespace Distill.Data;

/// <summary>How a data source is laid out. Recipes and JSON write the lower-case names shown.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DataFormat>))]
public enum DataFormat
{
    /// <summary><c>tsv</c>: tab-separated values (<c>.tsv</c>), with or without a header row.</summary>
    [JsonStringEnumMemberName("tsv")]
    Tsv,

    /// <summary><c>csv</c>: comma-separated values (<c>.csv</c>), or any other one-character delimiter.</summary>
    [JsonStringEnumMemberName("csv")]
    Csv,

    /// <summary><c>jsonl</c>: JSON Lines (<c>.jsonl</c>, <c>.ndjson</c>), one object per line, fields by name.</summary>
    [JsonStringEnumMemberName("jsonl")]
    JsonLines,

    /// <summary><c>lines</c>: plain text, one unlabelled text per line (in-domain text for a transfer set).</summary>
    [JsonStringEnumMemberName("lines")]
    Lines,

    /// <summary><c>image_folder</c>: a folder with one subfolder per class holding PNG or JPEG images, as
    /// torchvision's <c>ImageFolder</c> reads it.</summary>
    [JsonStringEnumMemberName("image_folder")]
    ImageFolder,
}
