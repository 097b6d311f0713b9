using Distill.Cache.Internal;
using Distill.Data;
using Distill.Teacher;
using Distill.Text;

namespace Distill.Cache;

/// <summary>
/// One teacher cache to build or open: the rows encoded for the teacher, the builder with its settings and the
/// description that goes into the key. Made by <see cref="TeacherCachePlanner"/>; <c>distill cache build</c> and a
/// recipe's run plan their caches the same way, so they find each other's caches.
/// </summary>
/// <param name="Set">What the rows are, for messages: "transfer set", "dev", the data file's name.</param>
/// <param name="Rows">The rows, encoded for the teacher.</param>
/// <param name="Options">The tensors, element type, shard size and batch size.</param>
/// <param name="Builder">The builder of this cache.</param>
/// <param name="Description">What the key records besides the rows and the teacher (the encoder, the data, the augmentation).</param>
public sealed record TeacherCachePlan(string Set, IReadOnlyList<TeacherRow> Rows, TeacherCacheOptions Options, TeacherCacheBuilder Builder,
    IReadOnlyDictionary<string, string> Description)
{
    /// <summary>The tensors the cache holds.</summary>
    public IReadOnlyList<CachedTensorSpec> Tensors => Options.Tensors;

    /// <summary>The cache's key: the folder name under the cache directory.</summary>
    public string Key => Builder.KeyFor(Rows, Description);

    /// <summary>Builds the cache, or the part of it that <paramref name="selection"/> names, resuming what a stopped build left.</summary>
    public TeacherCacheBuildResult Build(string cacheDirectory, ShardSelection? selection = null, IProgress<TeacherCacheProgress>? progress = null,
        CancellationToken cancellation = default) =>
        Builder.Build(Rows, cacheDirectory, Description, selection, progress, cancellation);
}

/// <summary>
/// Plans teacher caches: which teacher outputs to tap for the tensors asked for, where each comes from in the graph,
/// and the cache over a set of rows.
/// </summary>
public static class TeacherCachePlanner
{
    /// <summary>
    /// <paramref name="options"/> with the attention layers, hidden states and feature maps of <paramref name="tensors"/> as taps, so
    /// that the loaded teacher outputs them.
    /// </summary>
    public static OnnxTeacherOptions WithTaps(OnnxTeacherOptions options, IEnumerable<TeacherTensorId> tensors)
    {
        ArgumentNullException.ThrowIfNull(options);
        var ids = tensors.ToList();
        return options with
        {
            AttentionLayers = ids.Where(t => t.Kind == CachedTensorKind.AttentionProbabilities).Select(t => t.Index).Distinct().Order().ToList(),
            HiddenStates = ids.Where(t => t.Kind == CachedTensorKind.HiddenState).Select(t => t.Index).Distinct().Order().ToList(),
            FeatureMaps = ids.Where(t => t.Kind == CachedTensorKind.Fixed).Select(t => t.Index).Distinct().Order().ToList(),
        };
    }

    /// <summary>
    /// Where each of <paramref name="tensors"/> comes from in <paramref name="teacher"/>'s outputs, in the order given
    /// (it is part of the cache's key), with the logits added last when not asked for: the teacher's metrics and the
    /// agreement read them.
    /// </summary>
    /// <exception cref="DistillException">A tensor's tap was not added when the teacher was loaded (<see cref="WithTaps"/>).</exception>
    public static IReadOnlyList<CachedTensorSpec> Specs(OnnxTeacher teacher, IEnumerable<TeacherTensorId> tensors)
    {
        ArgumentNullException.ThrowIfNull(teacher);
        return tensors.Append(TeacherTensorId.Logits).Distinct().Select(id => id.Kind switch
        {
            CachedTensorKind.Logits => CachedTensorSpec.For(id, teacher.LogitsOutput),
            CachedTensorKind.AttentionProbabilities => CachedTensorSpec.For(id, teacher.TapOutput(TeacherTapKind.AttentionProbabilities, id.Index)),
            CachedTensorKind.HiddenState => CachedTensorSpec.For(id, teacher.TapOutput(TeacherTapKind.HiddenStates, id.Index)),
            CachedTensorKind.Fixed => CachedTensorSpec.For(id, teacher.FeatureMapOutput(id.Index)),
            _ => throw CacheErrors.UntappableTensor(teacher.Path, id),
        }).ToList();
    }

    /// <summary>
    /// The cache of <paramref name="teacher"/> over <paramref name="rows"/>, encoded by <paramref name="encoder"/>;
    /// <paramref name="description"/> adds to the key what else decides the rows (the data file, the augmentation).
    /// </summary>
    public static TeacherCachePlan Plan(string set, OnnxTeacher teacher, string teacherPath, IReadOnlyList<DataRow> rows, TextEncoder encoder,
        TeacherCacheOptions options, IReadOnlyDictionary<string, string>? description = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(encoder);
        var described = new Dictionary<string, string>(TeacherRows.Describe(encoder));
        foreach (var (key, value) in description ?? new Dictionary<string, string>())
        {
            described[key] = value;
        }

        return new TeacherCachePlan(set, TeacherRows.Encode(rows, encoder), options, new TeacherCacheBuilder(teacher, teacherPath, options), described);
    }

    /// <summary>
    /// The cache of <paramref name="teacher"/> over rows of float features (an image or tabular teacher), each fed as
    /// <paramref name="options"/>' <c>FeatureShape</c>; <paramref name="description"/> adds to the key what else
    /// decides the rows (the data file, the normalization).
    /// </summary>
    /// <exception cref="ArgumentException">A row has no features.</exception>
    public static TeacherCachePlan PlanFeatures(string set, OnnxTeacher teacher, string teacherPath, IReadOnlyList<DataRow> rows,
        TeacherCacheOptions options, IReadOnlyDictionary<string, string>? description = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var teacherRows = rows.Select(r => new TeacherRow(r.Id, r.AugmentationId, null,
            r.Features ?? throw new ArgumentException($"row {r.Id} has no features; plan a text cache with Plan", nameof(rows)))).ToList();
        var described = new Dictionary<string, string>(description ?? new Dictionary<string, string>());
        return new TeacherCachePlan(set, teacherRows, options, new TeacherCacheBuilder(teacher, teacherPath, options), described);
    }
}
