namespace Distill.Recipes.Internal;

/// <summary>What a node of the schema holds.</summary>
internal enum SchemaKind
{
    /// <summary>A scalar (or, for list-valued settings such as <c>seeds</c>, see <see cref="List"/>).</summary>
    Value,

    /// <summary>A mapping with the keys <see cref="SchemaNode.Fields"/>.</summary>
    Map,

    /// <summary>A list of <see cref="SchemaNode.Item"/>.</summary>
    List,

    /// <summary>Anything: the keys are checked elsewhere (loss settings by the registry, teacher inputs by name).</summary>
    Any,
}

/// <summary>One node of <see cref="RecipeSchema"/>.</summary>
internal sealed class SchemaNode
{
    public SchemaKind Kind { get; init; }

    /// <summary>The keys of a map, in the order the documentation lists them.</summary>
    public IReadOnlyList<(string Key, SchemaNode Node)> Fields { get; init; } = [];

    /// <summary>The items of a list.</summary>
    public SchemaNode? Item { get; init; }

    /// <summary>A map that takes keys besides its fields (a loss term's settings), which something else checks.</summary>
    public bool OpenKeys { get; init; }

    /// <summary>
    /// Keys beside the fields that depend on the map's content (a student's settings depend on its architecture);
    /// null when they cannot be known, in which case any key passes here.
    /// </summary>
    public Func<MapNode?, IReadOnlyCollection<string>?>? ExtraKeys { get; init; }

    public IEnumerable<string> FieldKeys => Fields.Select(f => f.Key);

    public SchemaNode? Field(string key) => Fields.FirstOrDefault(f => f.Key == key).Node;

    /// <summary>
    /// Every key valid in <paramref name="map"/> (fields and extra keys); null when any key is valid (open maps,
    /// and students whose architecture is unknown).
    /// </summary>
    public IReadOnlyCollection<string>? ValidKeys(MapNode? map)
    {
        if (Kind == SchemaKind.Any || OpenKeys)
        {
            return null;
        }

        if (ExtraKeys is null)
        {
            return FieldKeys.ToList();
        }

        return ExtraKeys(map) is { } extra ? FieldKeys.Concat(extra).ToList() : null;
    }
}

/// <summary>
/// The keys of a recipe, level by level: used to reject unknown keys (with "did you mean") in the file and in
/// <c>--set</c> and profile paths. Key names are the snake_case of the model's properties.
/// </summary>
internal static class RecipeSchema
{
    public static readonly SchemaNode Value = new() { Kind = SchemaKind.Value };

    public static readonly SchemaNode Any = new() { Kind = SchemaKind.Any };

    public static readonly SchemaNode Augment = Map(
        ("copies", Value), ("mask", Value), ("swap", Value), ("ngram", Value), ("seed", Value), ("unlabelled", List(Value)));

    public static readonly SchemaNode Image = Map(("height", Value), ("width", Value), ("channels", Value));

    public static readonly SchemaNode Normalization = Map(("scale", Value), ("mean", List(Value)), ("std", List(Value)));

    public static readonly SchemaNode Data = Map(
        ("train", Value), ("dev", Value), ("test", Value), ("format", Value), ("has_header", Value), ("delimiter", Value),
        ("text", List(Value)), ("label", Value), ("labels", List(Value)), ("label_names", List(Value)), ("limit", Value),
        ("dev_limit", Value), ("augment", Augment), ("features", List(Value)), ("feature_shape", List(Value)), ("normalization", Normalization), ("image", Image));

    public static readonly SchemaNode Teacher = Map(
        ("model", Value), ("recipe", Value), ("vocab", Value), ("lower_case", Value), ("max_length", Value),
        ("inputs", Any), ("heads", Value));

    public static readonly SchemaNode Cache = Map(("dir", Value), ("dtype", Value), ("rows_per_shard", Value), ("batch_size", Value));

    public static readonly SchemaNode StudentInit = Map(("from", Value), ("layers", List(Value)), ("feed_forward_units", Value));

    /// <summary>The student: fixed keys, then the settings of its architecture (<see cref="StudentOptionsBuilder"/>).</summary>
    public static readonly SchemaNode Student = new()
    {
        Kind = SchemaKind.Map,
        Fields = [("architecture", Value), ("vocab", Value), ("max_length", Value), ("init", StudentInit)],
        ExtraKeys = map => map?.Get("architecture") is ScalarNode { Value: { } architecture }
            ? StudentOptionsBuilder.SettingNames(architecture)
            : null,
    };

    public static readonly SchemaNode Training = Map(
        ("batch_size", Value), ("gradient_accumulation", Value), ("max_grad_norm", Value), ("patience", Value),
        ("selection_metric", Value), ("checkpoint_every", Value), ("log_every", Value), ("freeze", List(Value)));

    /// <summary>A loss term: these keys, and its own settings, which the loss registry checks.</summary>
    public static readonly SchemaNode LossTerm = new()
    {
        Kind = SchemaKind.Map,
        Fields = [("type", Value), ("weight", Value), ("warmup_epochs", Value), ("warmup_steps", Value)],
        OpenKeys = true,
    };

    public static readonly SchemaNode Stage = Map(
        ("name", Value), ("epochs", Value), ("max_steps", Value), ("learning_rate", Value), ("warmup", Value), ("decay", Value),
        ("weight_decay", Value), ("losses", List(LossTerm)));

    /// <summary>A variant: a name and its own stages.</summary>
    public static readonly SchemaNode Variant = Map(("name", Value), ("stages", List(Stage)));

    public static readonly SchemaNode Baseline = Map(("epochs", Value), ("learning_rate", Value), ("warmup", Value));

    public static readonly SchemaNode Export = Map(("onnx", Value), ("opset", Value), ("path", Value));

    public static readonly SchemaNode Report = Map(("bench", Value), ("bench_sequence", Value));

    public static readonly SchemaNode Root = Map(
        ("name", Value), ("seeds", List(Value)), ("output", Value), ("device", Value), ("data", Data), ("teacher", Teacher),
        ("cache", Cache), ("student", Student), ("training", Training), ("stages", List(Stage)), ("variants", List(Variant)), ("baseline", Baseline),
        ("export", Export), ("report", Report), ("profiles", Any));

    private static SchemaNode Map(params (string, SchemaNode)[] fields) => new() { Kind = SchemaKind.Map, Fields = fields };

    private static SchemaNode List(SchemaNode item) => new() { Kind = SchemaKind.List, Item = item };
}
