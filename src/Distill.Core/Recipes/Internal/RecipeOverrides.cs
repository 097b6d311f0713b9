namespace Distill.Recipes.Internal;

/// <summary>One <c>--set key.path=value</c>: the text as given, the parsed path and the value as a tree.</summary>
internal sealed record RecipeOverride(string Text, string Key, IReadOnlyList<PathSegment> Path, string RawValue, RecipeNode Value)
{
    /// <summary>A plain name (<c>DISTILL_DATA_DIR</c>, <c>seeds</c>), not a path: it also feeds <c>${name}</c>.</summary>
    public bool IsPlainName => Path.Count == 1 && Path[0].IsKey;

    public string Origin => $"--set {Text}";
}

/// <summary>
/// Key-path edits of the recipe tree, from <c>--set</c> and from profiles: checking a path against
/// <see cref="RecipeSchema"/> and setting a value at it (every item for <c>[*]</c>).
/// </summary>
internal static class RecipeOverrides
{
    /// <summary>Parses <c>key=value</c> texts; the value is a YAML flow list, mapping or quoted scalar when it starts like one, else plain text.</summary>
    public static List<RecipeOverride> Parse(IEnumerable<string> texts, RecipeErrorList errors)
    {
        var overrides = new List<RecipeOverride>();
        foreach (var text in texts)
        {
            var equals = text.IndexOf('=', StringComparison.Ordinal);
            var key = equals < 0 ? text.Trim() : text[..equals].Trim();
            if (equals < 0 || key.Length == 0)
            {
                errors.Add(0, null, $"--set needs key=value, such as training.batch_size=16 or seeds=[1,2,3] (was '{text}')");
                continue;
            }

            var origin = $"--set {text}";
            var path = KeyPath.Parse(key, out var problem);
            if (path is null)
            {
                errors.Add(0, key, $"is not a key path: it {problem}; write keys joined by dots and list items as [i], e.g. stages[0].epochs", origin);
                continue;
            }

            var raw = text[(equals + 1)..].Trim();
            var value = ParseValue(raw, key, origin, errors);
            if (value is null)
            {
                continue;
            }

            value.MarkOrigin(origin, line: 0);
            overrides.Add(new RecipeOverride(text, key, path, raw, value));
        }

        return overrides;
    }

    /// <summary>
    /// Checks a path against the schema, following the tree where keys depend on content (a student's settings).
    /// Returns false with the path where it went wrong and why.
    /// </summary>
    public static bool CheckPath(RecipeNode? root, IReadOnlyList<PathSegment> path, out string at, out string problem)
    {
        var schema = RecipeSchema.Root;
        var tree = root;
        var walked = new List<PathSegment>();
        foreach (var segment in path)
        {
            var here = KeyPath.Format(walked);
            switch (schema.Kind)
            {
                case SchemaKind.Any:
                    at = problem = string.Empty;
                    return true;
                case SchemaKind.Map when !segment.IsKey:
                    at = here;
                    problem = $"is a mapping, not a list: name one of its keys after a dot ({string.Join(", ", schema.FieldKeys)})";
                    return false;
                case SchemaKind.Map:
                {
                    var field = schema.Field(segment.Key!);
                    if (field is null)
                    {
                        var valid = schema.ValidKeys(tree as MapNode);
                        if (valid is not null && !valid.Contains(segment.Key!))
                        {
                            at = KeyPath.Format([.. walked, segment]);
                            problem = UnknownKey(segment.Key!, here, valid);
                            return false;
                        }

                        field = RecipeSchema.Any;
                    }

                    tree = (tree as MapNode)?.Get(segment.Key!);
                    schema = field;
                    break;
                }

                case SchemaKind.List when segment.IsKey:
                    at = here;
                    problem = $"is a list: choose an item with {here}[0], or every item with {here}[*]";
                    return false;
                case SchemaKind.List:
                    tree = tree is SequenceNode sequence && sequence.Items.Count > 0
                        ? sequence.Items[segment.AllItems ? 0 : Math.Min(segment.Index, sequence.Items.Count - 1)]
                        : null;
                    schema = schema.Item!;
                    break;
                default:
                    at = here;
                    problem = "is a single value: it has no keys or items";
                    return false;
            }

            walked.Add(segment);
        }

        at = problem = string.Empty;
        return true;
    }

    /// <summary>The message for an unknown key: "is not a key of data; did you mean 'train'? Valid keys: ...".</summary>
    public static string UnknownKey(string key, string parent, IReadOnlyCollection<string> valid) =>
        $"is not a key of {(parent.Length == 0 ? "a recipe" : parent)}{Suggestions.Explain(key, valid, "Valid keys")}";

    /// <summary>
    /// Sets <paramref name="value"/> (a copy per place) at the path, creating missing mappings on the way. List items
    /// must exist. <paramref name="keyLine"/> moves the key's line to where the value was written (profiles); null
    /// keeps the file's line (<c>--set</c>). Problems go to <paramref name="report"/> (path, message).
    /// </summary>
    public static void Apply(MapNode root, IReadOnlyList<PathSegment> path, RecipeNode value, int? keyLine, Action<string, string> report) =>
        Apply(root, path, 0, string.Empty, value, keyLine, report);

    private static void Apply(RecipeNode node, IReadOnlyList<PathSegment> path, int depth, string here, RecipeNode value, int? keyLine, Action<string, string> report)
    {
        var segment = path[depth];
        var last = depth == path.Count - 1;
        if (segment.IsKey)
        {
            if (node is not MapNode map)
            {
                report(here, $"is {node.Describe()}, not a mapping, so {KeyPath.Format(path)} cannot be set");
                return;
            }

            var key = segment.Key!;
            var entry = map.Find(key);
            if (last)
            {
                if (entry is null)
                {
                    map.Entries.Add(new MapEntry(key, keyLine ?? 0, value.Clone()));
                }
                else
                {
                    entry.Value = value.Clone();
                    entry.KeyLine = keyLine ?? entry.KeyLine;
                }

                return;
            }

            if (entry is null || entry.Value is ScalarNode { IsNull: true })
            {
                if (!path[depth + 1].IsKey)
                {
                    report(KeyPath.Child(here, key), $"is not in the recipe, so {KeyPath.Format(path)} has no item to set; set the whole list instead");
                    return;
                }

                var created = new MapNode { Line = keyLine ?? 0, Origin = value.Origin };
                if (entry is null)
                {
                    map.Entries.Add(new MapEntry(key, keyLine ?? 0, created));
                }
                else
                {
                    entry.Value = created;
                }
            }

            Apply(map.Get(key)!, path, depth + 1, KeyPath.Child(here, key), value, keyLine, report);
            return;
        }

        if (node is not SequenceNode sequence)
        {
            report(here, $"is {node.Describe()}, not a list, so {KeyPath.Format(path)} cannot be set");
            return;
        }

        if (!segment.AllItems && segment.Index >= sequence.Items.Count)
        {
            var items = sequence.Items.Count == 0 ? "no items" : $"{sequence.Items.Count} items ({here}[0] to {here}[{sequence.Items.Count - 1}])";
            report(KeyPath.Item(here, segment.Index), $"does not exist: {here} has {items}");
            return;
        }

        var indexes = segment.AllItems ? Enumerable.Range(0, sequence.Items.Count) : [segment.Index];
        foreach (var index in indexes)
        {
            if (last)
            {
                var copy = value.Clone();
                if (keyLine is { } line)
                {
                    copy.Line = line;
                }

                sequence.Items[index] = copy;
            }
            else
            {
                Apply(sequence.Items[index], path, depth + 1, KeyPath.Item(here, index), value, keyLine, report);
            }
        }
    }

    private static RecipeNode? ParseValue(string raw, string key, string origin, RecipeErrorList errors)
    {
        if (raw.Length == 0 || raw[0] is not ('[' or '{' or '"' or '\''))
        {
            return new ScalarNode(raw.Length == 0 ? null : raw, quoted: false);
        }

        var failed = false;
        var value = RecipeYaml.Parse(raw, (_, _, _, message) =>
        {
            errors.Add(0, key, $"has a bad value: {message}", origin);
            failed = true;
        });
        return failed ? null : value ?? new ScalarNode(null, quoted: false);
    }
}
