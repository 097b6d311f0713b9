using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Distill.Recipes.Internal;

/// <summary>
/// Reads YAML text into a <see cref="RecipeNode"/> tree with YamlDotNet's parser (events, not the deserializer), so
/// that every key keeps its line and no .NET type is ever named or built from the text. Tags (<c>!something</c>,
/// <c>!!python/object</c>) are refused: a recipe is data. Anchors and aliases are allowed and copied.
/// </summary>
internal static class RecipeYaml
{
    private const string StandardTagPrefix = "tag:yaml.org,2002:";

    /// <summary>A problem in the text: line and column (1-based), key path (may be empty), message.</summary>
    public delegate void Report(int line, int column, string path, string message);

    /// <summary>
    /// Parses one YAML document; null when the text is malformed (one report, with YamlDotNet's reason) or empty.
    /// Tags, duplicate keys, keys that are not plain text and unknown aliases are reported, and reading goes on.
    /// </summary>
    public static RecipeNode? Parse(string text, Report report)
    {
        var parser = new Parser(new StringReader(text));
        var reader = new Reader(parser, report);
        try
        {
            parser.Consume<StreamStart>();
            if (parser.Accept<StreamEnd>(out _))
            {
                return null;
            }

            parser.Consume<DocumentStart>();
            var root = reader.Read(string.Empty);
            parser.Consume<DocumentEnd>();
            if (parser.Accept<DocumentStart>(out var second))
            {
                report((int)second.Start.Line, (int)second.Start.Column, string.Empty,
                    "starts a second YAML document ('---'); a recipe is one document: remove the '---' and what follows, or merge it into the first");
            }

            return root;
        }
        catch (YamlException e)
        {
            report((int)e.Start.Line, (int)e.Start.Column, string.Empty, $"malformed YAML: {e.Message}");
            return null;
        }
        catch (Exception e) when (e is not (OutOfMemoryException or StackOverflowException))
        {
            // YamlDotNet 18's scanner throws InvalidOperationException, not a YamlException, on some unclosed flow
            // collections ("[1, 2" followed by more lines); older versions threw System.Exception from the same
            // place (aaubry/YamlDotNet#541). Name the last place it read.
            report((int)reader.LastMark.Line, (int)reader.LastMark.Column, string.Empty,
                "malformed YAML after this point: the parser stopped without finding the end of a flow list, mapping or quoted text; look for an unclosed '[', '{' or quote");
            return null;
        }
    }

    /// <summary>The tag as written: <c>!!python/object</c> for standard-prefix tags, else as is.</summary>
    private static string ShowTag(string tag) =>
        tag.StartsWith(StandardTagPrefix, StringComparison.Ordinal) ? "!!" + tag[StandardTagPrefix.Length..] : tag;

    private sealed class Reader(IParser parser, Report report)
    {
        private readonly Dictionary<string, RecipeNode> _anchors = new(StringComparer.Ordinal);

        public Mark LastMark { get; private set; } = Mark.Empty;

        public RecipeNode Read(string path)
        {
            var current = parser.Current ?? throw new InvalidOperationException("the YAML ended early");
            LastMark = current.Start;
            switch (current)
            {
                case AnchorAlias alias:
                    parser.MoveNext();
                    if (_anchors.TryGetValue(alias.Value.Value, out var anchored))
                    {
                        return anchored.Clone();
                    }

                    report((int)alias.Start.Line, (int)alias.Start.Column, path, $"uses alias *{alias.Value.Value}, but no anchor &{alias.Value.Value} comes before it");
                    return Place(new ScalarNode(null, quoted: false), alias.Start);
                case Scalar scalar:
                    parser.MoveNext();
                    CheckTag(scalar, path);
                    return Remember(scalar, Place(new ScalarNode(IsNull(scalar) ? null : scalar.Value, scalar.Style != ScalarStyle.Plain), scalar.Start));
                case SequenceStart start:
                {
                    parser.MoveNext();
                    CheckTag(start, path);
                    var sequence = Place(new SequenceNode(), start.Start);
                    while (!parser.TryConsume<SequenceEnd>(out _))
                    {
                        sequence.Items.Add(Read(KeyPath.Item(path, sequence.Items.Count)));
                    }

                    return Remember(start, sequence);
                }

                case MappingStart start:
                {
                    parser.MoveNext();
                    CheckTag(start, path);
                    var map = Place(new MapNode(), start.Start);
                    while (!parser.TryConsume<MappingEnd>(out _))
                    {
                        var keyStart = parser.Current!.Start;
                        var key = Read(path);
                        var keyText = key is ScalarNode { Value: { } text } ? text : null;
                        var childPath = keyText is null ? path : KeyPath.Child(path, keyText);
                        var value = Read(childPath);
                        if (keyText is null)
                        {
                            report((int)keyStart.Line, (int)keyStart.Column, path,
                                $"has a key that is {(key is ScalarNode ? "empty" : key is MapNode ? "a mapping" : "a list")}; keys are plain names such as epochs");
                            continue;
                        }

                        if (map.Find(keyText) is { } first)
                        {
                            report((int)keyStart.Line, 0, childPath, $"is written twice (first at line {first.KeyLine}); keep one");
                            continue;
                        }

                        map.Entries.Add(new MapEntry(keyText, (int)keyStart.Line, value));
                    }

                    return Remember(start, map);
                }

                default:
                    throw new InvalidOperationException($"unexpected YAML event {current.GetType().Name}");
            }
        }

        private static T Place<T>(T node, Mark start)
            where T : RecipeNode
        {
            node.Line = (int)start.Line;
            node.Column = (int)start.Column;
            return node;
        }

        private static bool IsNull(Scalar scalar) =>
            scalar.Style == ScalarStyle.Plain && scalar.Value is "" or "~" or "null" or "Null" or "NULL";

        private void CheckTag(NodeEvent node, string path)
        {
            if (!node.Tag.IsEmpty)
            {
                report((int)node.Start.Line, (int)node.Start.Column, path,
                    $"has the YAML tag '{ShowTag(node.Tag.Value)}'; tags are not allowed, because a recipe is data and never " +
                    "creates objects or runs code: remove the tag (quote the value if it is text)");
            }
        }

        private T Remember<T>(NodeEvent node, T value)
            where T : RecipeNode
        {
            if (!node.Anchor.IsEmpty)
            {
                _anchors[node.Anchor.Value] = value;
            }

            return value;
        }
    }
}
