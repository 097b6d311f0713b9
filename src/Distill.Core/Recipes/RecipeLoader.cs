using Distill.Recipes.Internal;

namespace Distill.Recipes;

/// <summary>
/// Reads a recipe file into a validated <see cref="Recipe"/>: the whole recipe is checked, and every problem
/// reported at once, before any model is loaded.
/// <para>
/// <b>Format.</b> One YAML document. Keys are the snake_case of the model's properties; each property's doc comment
/// names its key and default. Top level: <c>name</c> (default: the file name without extension), <c>seeds</c>
/// (default [42]), <c>output</c> (default <c>runs/&lt;name&gt;</c>), <c>device</c>, and the sections <c>data</c>
/// (<see cref="DataSettings"/>, with <c>data.augment</c>), <c>teacher</c> (<see cref="TeacherSettings"/>; leave it out
/// to train on labels alone), <c>cache</c>, <c>student</c>, <c>training</c>, <c>stages</c> (each with <c>losses</c>),
/// <c>baseline</c>, <c>export</c>, <c>report</c> and <c>profiles</c>. Required: <c>data.train</c>,
/// <c>student.architecture</c>, <c>stages</c> and each stage's <c>losses</c>; with a teacher, <c>teacher.model</c>
/// and <c>teacher.vocab</c>. Stages are named stage1, stage2, ... unless named.
/// </para>
/// <para>
/// <b>Student.</b> Every key under <c>student</c> other than <c>architecture</c>, <c>vocab</c>, <c>max_length</c> and
/// <c>init</c> is a setting of the architecture's options record, named as in its JSON form (<c>layers</c>,
/// <c>hidden</c>, <c>heads</c>, <c>intermediate</c>, ...); <c>num_labels</c> comes from the data. <c>init: {from:
/// teacher, layers: [0, 2, 4]}</c> starts a transformer student from those teacher layers.
/// </para>
/// <para>
/// <b>Loss terms.</b> Each item of <c>losses</c> has a <c>type</c> (a key of <c>LossRegistry</c>: ce, kd, dkd, ...),
/// optional <c>weight</c>, <c>warmup_epochs</c> or <c>warmup_steps</c>, and the term's own settings
/// (<c>temperature</c>, <c>layers</c>, ...), which the registry checks.
/// </para>
/// <para>
/// <b>Substitution.</b> <c>${name}</c> in any value is replaced by a plain-name override (<c>--set name=value</c>),
/// else the environment variable; <c>${name:-default}</c> gives a default, used when the variable is unset or empty;
/// <c>$${</c> writes a literal <c>${</c>. An unset variable without a default is an error. For example
/// <c>train: ${DISTILL_DATA_DIR:-../../shared/data}/sst2/train.tsv</c>.
/// </para>
/// <para>
/// <b>Overrides.</b> <c>--set key.path=value</c> sets a value before validation: keys joined by dots, list items as
/// <c>[i]</c>, every item as <c>[*]</c> (<c>stages[1].losses[0].temperature=2</c>, <c>stages[*].epochs=1</c>). The value
/// is YAML: a scalar, or a flow list or mapping (<c>seeds=[1,2,3]</c>). Missing mappings on the way are created; list
/// items must exist. A path that is not in the schema is an error with "did you mean". A plain name that is not a
/// recipe key only feeds <c>${name}</c>.
/// </para>
/// <para>
/// <b>Profiles.</b> <c>profiles: {quick: {"data.limit": 2000, "stages[*].epochs": 1, seeds: [1]}}</c> names sets of
/// key paths; choosing a profile applies them like overrides, before <c>--set</c>. Every profile's paths are checked,
/// chosen or not.
/// </para>
/// <para>
/// <b>Paths.</b> Input files (<c>data.train</c>, <c>dev</c>, <c>test</c>, <c>data.augment.unlabelled</c>,
/// <c>teacher.model</c>, <c>teacher.recipe</c>, <c>teacher.vocab</c>, <c>student.vocab</c>) are relative to the
/// recipe's folder, so that a recipe and its data can move together; they must exist (the teacher's model, or else its
/// recipe). Outputs (<c>output</c>, <c>cache.dir</c>, <c>export.path</c>) are relative to the working folder, because
/// outputs go where the user runs the command, not into the folder of recipes. All come back absolute.
/// </para>
/// <para>
/// <b>Safety.</b> A recipe is data: it is read with YamlDotNet's parser into a plain tree and mapped by hand, no .NET
/// type is named or built from the text, and YAML tags (<c>!something</c>) are refused.
/// </para>
/// </summary>
public static class RecipeLoader
{
    /// <summary>Reads, overrides, substitutes and validates the recipe at <paramref name="path"/>.</summary>
    /// <param name="path">The recipe file.</param>
    /// <param name="overrides"><c>key.path=value</c> texts, as given to <c>--set</c>, applied in order.</param>
    /// <param name="profile">A profile of the recipe to apply before the overrides; null for none.</param>
    /// <param name="environment">
    /// Variables for <c>${name}</c> after the overrides; null reads the process environment. When given, the process
    /// environment is not read at all.
    /// </param>
    /// <exception cref="RecipeException">The recipe is missing or has problems; <see cref="RecipeException.Errors"/> lists them all.</exception>
    public static Recipe Load(
        string path,
        IEnumerable<string>? overrides = null,
        string? profile = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var fullPath = Path.GetFullPath(path);
        var errors = new RecipeErrorList(Path.GetFileName(fullPath));
        if (!File.Exists(fullPath))
        {
            errors.Add(0, null, $"recipe not found: {fullPath}; check the path");
            throw new RecipeException(path, errors.Lines());
        }

        var tree = RecipeYaml.Parse(File.ReadAllText(fullPath), (line, column, at, message) =>
            errors.Add(line, at, message, column: at.Length == 0 ? column : 0));
        if (errors.Count == 0 && tree is not MapNode)
        {
            errors.Add(tree?.Line ?? 0, null, tree is null
                ? "is empty; a recipe needs at least data, student and stages"
                : $"must be a mapping of keys (data:, student:, stages:, ...) at the top (was {tree.Describe()})");
        }

        // Malformed YAML, tags and repeated keys: the tree is not what was meant, so stop before reading it.
        if (errors.Count > 0)
        {
            throw new RecipeException(path, errors.Lines());
        }

        var root = (MapNode)tree!;
        ApplyProfiles(root, profile, errors);
        var variables = ApplyOverrides(root, overrides ?? [], errors);

        string? Lookup(string name) =>
            variables.TryGetValue(name, out var value) ? value
            : environment is not null ? environment.GetValueOrDefault(name)
            : Environment.GetEnvironmentVariable(name);

        RecipeSubstitution.Apply(root, Lookup, (at, line, node, message) => errors.Add(line, at, message, node.Origin));
        var recipe = new RecipeMapper(root, errors, fullPath, Directory.GetCurrentDirectory(), Lookup).Map();
        if (errors.Count > 0)
        {
            throw new RecipeException(path, errors.Lines());
        }

        return recipe;
    }

    /// <summary>Checks every profile's paths, and applies the chosen profile; removes <c>profiles</c> from the tree.</summary>
    private static void ApplyProfiles(MapNode root, string? chosen, RecipeErrorList errors)
    {
        var section = root.Find("profiles");
        root.Remove("profiles");
        var profiles = new List<(string Name, MapNode Paths)>();
        if (section is not null && section.Value is not ScalarNode { IsNull: true })
        {
            if (section.Value is not MapNode map)
            {
                errors.Add(section.KeyLine, "profiles", $"must be a mapping of profile names to key paths, e.g. profiles: {{quick: {{data.limit: 2000}}}} (was {section.Value.Describe()})");
            }
            else
            {
                foreach (var entry in map.Entries)
                {
                    if (entry.Value is MapNode paths)
                    {
                        profiles.Add((entry.Key, paths));
                    }
                    else
                    {
                        errors.Add(entry.KeyLine, $"profiles.{entry.Key}", $"must be a mapping of key paths to values, e.g. {{\"stages[*].epochs\": 1}} (was {entry.Value.Describe()})");
                    }
                }
            }
        }

        foreach (var (name, paths) in profiles)
        {
            var origin = $"profile '{name}'";
            foreach (var entry in paths.Entries)
            {
                var parsed = KeyPath.Parse(entry.Key, out var problem);
                if (parsed is null)
                {
                    errors.Add(entry.KeyLine, entry.Key, $"is not a key path: it {problem}; write keys joined by dots and list items as [i] or [*]", origin);
                }
                else if (!RecipeOverrides.CheckPath(root, parsed, out var at, out problem))
                {
                    errors.Add(entry.KeyLine, at, problem, origin);
                }
                else if (name == chosen)
                {
                    var value = entry.Value.Clone();
                    value.MarkOrigin(origin, line: null);
                    RecipeOverrides.Apply(root, parsed, value, entry.KeyLine, (where, message) => errors.Add(entry.KeyLine, where, message, origin));
                }
            }
        }

        if (chosen is not null && !profiles.Exists(p => p.Name == chosen))
        {
            var names = profiles.Select(p => p.Name).ToList();
            errors.Add(0, null, names.Count == 0
                ? $"has no profiles, so profile '{chosen}' cannot be chosen; add profiles: {{{chosen}: {{...}}}} or leave out --profile"
                : $"has no profile '{chosen}'{Suggestions.Explain(chosen, names, "Its profiles")}");
        }
    }

    /// <summary>Applies <c>--set</c> overrides in order; returns the plain-name ones as variables for <c>${name}</c>.</summary>
    private static Dictionary<string, string> ApplyOverrides(MapNode root, IEnumerable<string> texts, RecipeErrorList errors)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        var used = RecipeSubstitution.VariablesIn(root);
        foreach (var item in RecipeOverrides.Parse(texts, errors))
        {
            if (item.IsPlainName)
            {
                variables[item.Key] = item.RawValue;
                if (RecipeSchema.Root.Field(item.Key) is null)
                {
                    if (!used.Contains(item.Key))
                    {
                        errors.Add(0, item.Key, "is neither a key of a recipe nor a ${...} variable that this recipe uses" +
                                                Suggestions.Explain(item.Key, [.. RecipeSchema.Root.FieldKeys, .. used], "Keys and variables"), item.Origin);
                    }

                    continue;
                }
            }

            if (item.Path[0].Key == "profiles")
            {
                errors.Add(0, item.Key, "cannot be set: profiles are applied before --set, so edit the recipe or choose a profile", item.Origin);
                continue;
            }

            if (!RecipeOverrides.CheckPath(root, item.Path, out var at, out var problem))
            {
                errors.Add(0, at, problem, item.Origin);
                continue;
            }

            RecipeOverrides.Apply(root, item.Path, item.Value, keyLine: null, (where, message) => errors.Add(0, where, message, item.Origin));
        }

        return variables;
    }
}
