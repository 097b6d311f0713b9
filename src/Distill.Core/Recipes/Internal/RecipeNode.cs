namespace Distill.Recipes.Internal;

/// <summary>
/// One node of a recipe as written: a mapping, a list or a scalar, with the place it came from. Recipes are read into
/// this small tree (not YamlDotNet's) so that overrides and profiles can edit it and every value keeps its line.
/// </summary>
internal abstract class RecipeNode
{
    /// <summary>1-based line in the recipe file; 0 when the value did not come from the file (a <c>--set</c>).</summary>
    public int Line { get; set; }

    /// <summary>1-based column in the recipe file; 0 when not from the file.</summary>
    public int Column { get; set; }

    /// <summary>Where a value that is not the file's own came from: <c>--set a.b=1</c>, <c>profile 'quick'</c>; null for the file.</summary>
    public string? Origin { get; set; }

    /// <summary>A deep copy, so that one value given to several places (an alias, a <c>[*]</c> path) can be edited in each.</summary>
    public abstract RecipeNode Clone();

    /// <summary>
    /// Marks this node and everything under it as coming from <paramref name="origin"/>; with a
    /// <paramref name="line"/>, also places them all on that line (0 = not in the file).
    /// </summary>
    public void MarkOrigin(string origin, int? line)
    {
        foreach (var node in SelfAndDescendants())
        {
            node.Origin = origin;
            if (line is { } at)
            {
                node.Line = at;
                node.Column = 0;
                if (node is MapNode map)
                {
                    foreach (var entry in map.Entries)
                    {
                        entry.KeyLine = at;
                    }
                }
            }
        }
    }

    /// <summary>
    /// Visits this node and every node below it with its key path and the line that messages about it name (the
    /// key's line for a value in a mapping, the item's own line in a list).
    /// </summary>
    public void Walk(Action<string, RecipeNode, int> visit, string path = "", int line = -1)
    {
        visit(path, this, line < 0 ? Line : line);
        switch (this)
        {
            case MapNode map:
                foreach (var entry in map.Entries)
                {
                    entry.Value.Walk(visit, KeyPath.Child(path, entry.Key), entry.KeyLine);
                }

                break;
            case SequenceNode sequence:
                for (var i = 0; i < sequence.Items.Count; i++)
                {
                    sequence.Items[i].Walk(visit, KeyPath.Item(path, i));
                }

                break;
        }
    }

    /// <summary>"'text'", "null", "a list" or "a mapping", for "(was ...)" in messages.</summary>
    public string Describe() => this switch
    {
        ScalarNode { Value: null } => "null",
        ScalarNode scalar => $"'{scalar.Value}'",
        SequenceNode => "a list",
        _ => "a mapping",
    };

    /// <summary>This node and every node below it, depth first.</summary>
    public IEnumerable<RecipeNode> SelfAndDescendants()
    {
        yield return this;
        var children = this switch
        {
            MapNode map => map.Entries.Select(e => e.Value),
            SequenceNode sequence => sequence.Items,
            _ => [],
        };
        foreach (var child in children)
        {
            foreach (var node in child.SelfAndDescendants())
            {
                yield return node;
            }
        }
    }

    protected T CopyPlaceTo<T>(T copy)
        where T : RecipeNode
    {
        copy.Line = Line;
        copy.Column = Column;
        copy.Origin = Origin;
        return copy;
    }
}

/// <summary>A scalar: its text (after <c>${...}</c> substitution), or YAML null (<c>~</c>, <c>null</c>, nothing).</summary>
internal sealed class ScalarNode : RecipeNode
{
    public ScalarNode(string? value, bool quoted)
    {
        Value = value;
        Raw = value;
        Quoted = quoted;
    }

    /// <summary>The text; null for YAML null.</summary>
    public string? Value { get; set; }

    /// <summary>The text as written, before substitution (for hints such as "this came from ${DISTILL_DATA_DIR}").</summary>
    public string? Raw { get; set; }

    /// <summary>A <c>${name}</c> in it could not be substituted (already reported): checks of its value are skipped.</summary>
    public bool Unresolved { get; set; }

    /// <summary>Written in quotes: always a string, never a number, boolean or null.</summary>
    public bool Quoted { get; }

    public bool IsNull => Value is null;

    public override RecipeNode Clone() => CopyPlaceTo(new ScalarNode(Value, Quoted) { Raw = Raw, Unresolved = Unresolved });
}

/// <summary>A list.</summary>
internal sealed class SequenceNode : RecipeNode
{
    public List<RecipeNode> Items { get; } = [];

    public override RecipeNode Clone()
    {
        var copy = CopyPlaceTo(new SequenceNode());
        copy.Items.AddRange(Items.Select(item => item.Clone()));
        return copy;
    }
}

/// <summary>A mapping, in the order its keys were written.</summary>
internal sealed class MapNode : RecipeNode
{
    public List<MapEntry> Entries { get; } = [];

    public IEnumerable<string> Keys => Entries.Select(e => e.Key);

    public MapEntry? Find(string key) => Entries.Find(e => e.Key == key);

    /// <summary>The value of a key, or null when the key is absent.</summary>
    public RecipeNode? Get(string key) => Find(key)?.Value;

    public void Remove(string key) => Entries.RemoveAll(e => e.Key == key);

    public override RecipeNode Clone()
    {
        var copy = CopyPlaceTo(new MapNode());
        copy.Entries.AddRange(Entries.Select(e => new MapEntry(e.Key, e.KeyLine, e.Value.Clone())));
        return copy;
    }
}

/// <summary>One key of a mapping and its value.</summary>
internal sealed class MapEntry(string key, int keyLine, RecipeNode value)
{
    public string Key { get; } = key;

    /// <summary>Line of the key; the line that messages about this key name (0 when not in the file).</summary>
    public int KeyLine { get; set; } = keyLine;

    public RecipeNode Value { get; set; } = value;
}
