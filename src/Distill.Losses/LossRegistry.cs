namespace Distill.Losses;

/// <summary>
/// Maps recipe keys to loss terms: <c>ce</c>, <c>kd</c>, <c>dkd</c>, <c>at</c>, <c>attention_mse</c>,
/// <c>attention_kl</c>, <c>value_relation</c>, <c>hidden_mse</c>, <c>cosine</c>, <c>blockwise_logit</c>. Recipes
/// name a term and its settings; the registry builds it and rejects unknown keys and settings with a message that
/// lists the known ones.
/// </summary>
public sealed class LossRegistry
{
    private readonly Dictionary<string, Func<LossSettings, LossBuildContext, ILossTerm>> _factories = new(StringComparer.Ordinal);

    /// <summary>A registry with every built-in term.</summary>
    public static LossRegistry CreateDefault()
    {
        var registry = new LossRegistry();
        registry.Register("ce", (s, _) => new LabelCrossEntropyLoss(new LabelCrossEntropyLossOptions
        {
            LabelSmoothing = s.Double("label_smoothing", 0),
        }));
        registry.Register("kd", (s, _) => new KdLoss(new KdLossOptions
        {
            Temperature = s.Double("temperature", 4),
            TeacherGivesProbabilities = s.Bool("teacher_probabilities", false),
        }));
        registry.Register("dkd", (s, c) => new DkdLoss(new DkdLossOptions
        {
            Alpha = s.Double("alpha", 1),
            Beta = s.Double("beta", 8),
            Temperature = s.Double("temperature", 4),
            WarmupEpochs = s.Int("warmup_epochs", 0),
            OnWarning = c.OnWarning,
        }));
        registry.Register("at", (s, _) => new AttentionTransferLoss(new AttentionTransferLossOptions
        {
            P = s.Double("p", 2),
            StageMap = s.LayerMap("stages", LayerMap.Uniform),
        }));
        registry.Register("attention_mse", (s, _) => new AttentionMseLoss(new AttentionMseLossOptions
        {
            LayerMap = s.LayerMap("layers", LayerMap.Uniform),
            Kind = s.Enum("attention", AttentionKind.Scores),
        }));
        registry.Register("attention_kl", (s, _) => new AttentionKlLoss(new AttentionKlLossOptions
        {
            LayerMap = s.LayerMap("layers", LayerMap.Last),
        }));
        registry.Register("value_relation", (s, _) => new ValueRelationLoss(new ValueRelationLossOptions
        {
            LayerMap = s.LayerMap("layers", LayerMap.Last),
            RelationHeads = s.OptionalInt("relation_heads"),
        }));
        registry.Register("hidden_mse", (s, c) =>
        {
            var options = new HiddenMseLossOptions
            {
                LayerMap = s.LayerMap("layers", LayerMap.Uniform),
                IncludeEmbeddings = s.Bool("embeddings", true),
                UseProjection = s.Bool("projection", true),
            };
            if (c.StudentHidden is not { } student || c.TeacherHidden is not { } teacher)
            {
                throw new ArgumentException(
                    "Loss 'hidden_mse' needs the hidden sizes of the student and the teacher to build its projection; " +
                    "set LossBuildContext.StudentHidden and TeacherHidden");
            }

            return new HiddenMseLoss(student, teacher, options);
        });
        registry.Register("cosine", (s, _) => new HiddenCosineLoss(new HiddenCosineLossOptions
        {
            LayerMap = s.LayerMap("layers", LayerMap.Last),
            IncludeEmbeddings = s.Bool("embeddings", false),
        }));
        registry.Register("blockwise_logit", (s, _) => new BlockwiseLogitLoss(new BlockwiseLogitLossOptions
        {
            Temperature = s.Double("temperature", 4),
            CrossWeight = s.Double("cross_weight", 1),
        }));
        return registry;
    }

    /// <summary>The registered keys, in the order they were registered.</summary>
    public IReadOnlyList<string> Keys => _factories.Keys.ToList();

    /// <summary>Registers a term under a key; a key may be registered once.</summary>
    public void Register(string key, Func<LossSettings, LossBuildContext, ILossTerm> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        ArgumentNullException.ThrowIfNull(factory);
        if (!_factories.TryAdd(key, factory))
        {
            throw new ArgumentException($"key: a loss named '{key}' is already registered", nameof(key));
        }
    }

    /// <summary>Builds the term <paramref name="key"/> from its settings.</summary>
    /// <exception cref="ArgumentException">
    /// The key is unknown ("Unknown loss 'kld'. Known: ce, kd, ..."), a setting is unknown or has a bad value.
    /// </exception>
    public ILossTerm Create(string key, IReadOnlyDictionary<string, object?>? settings = null, LossBuildContext? context = null)
    {
        if (key is null || !_factories.TryGetValue(key, out var factory))
        {
            throw new ArgumentException($"Unknown loss '{key}'. Known: {string.Join(", ", _factories.Keys)}");
        }

        var reader = new LossSettings(key, settings);
        var term = factory(reader, context ?? new LossBuildContext());
        try
        {
            reader.ThrowIfUnknown();
        }
        catch
        {
            (term as IDisposable)?.Dispose();
            throw;
        }

        return term;
    }
}
