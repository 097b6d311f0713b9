namespace Distill.Cache.Internal;

/// <summary>
/// The errors of building, opening, merging and reading teacher caches, each one line that names the cache folder,
/// manifest or shard file (or the row, tensor or setting), what was seen and what to do. All are
/// <see cref="DistillErrorKind.InvalidInput"/> (exit code 2): a damaged or incomplete cache, a teacher whose outputs do
/// not fit, or bad settings stay so until the user rebuilds, finishes or fixes them.
/// </summary>
internal static class CacheErrors
{
    public static DistillException InvalidOptions(IEnumerable<string> errors) =>
        new(DistillErrorKind.InvalidInput, string.Join("; ", errors));

    public static DistillException EmptyTransferSet() =>
        new(DistillErrorKind.InvalidInput, "the transfer set is empty: there is nothing for the teacher to label");

    public static DistillException BadShardSelection(string source, string? text) =>
        new(DistillErrorKind.InvalidInput, $"{source} must be i/n with 0 <= i < n, e.g. 0/4 for the first of four processes (was '{text}')");

    public static DistillException RowWithoutFeatures(long rowId) =>
        new(DistillErrorKind.InvalidInput, $"row {rowId} has no features; read the data with feature columns or as an image folder");

    public static DistillException BatchRowWithoutFeatures(long rowId) =>
        new(DistillErrorKind.InvalidInput, $"row {rowId} has no features while others do");

    public static DistillException BatchRowWithoutText(long rowId) =>
        new(DistillErrorKind.InvalidInput, $"row {rowId} has no text while others do");

    public static DistillException BatchRowWidth(long rowId, int width, int othersWidth) =>
        new(DistillErrorKind.InvalidInput, $"row {rowId} has {width} feature values, the others {othersWidth}");

    public static DistillException FeatureShapeMismatch(int width, IReadOnlyList<int> featureShape) =>
        new(DistillErrorKind.InvalidInput,
            $"rows have {width} feature values, but the feature shape [{string.Join(", ", featureShape)}] holds {featureShape.Aggregate(1L, (a, b) => a * b)}");

    public static DistillException UntappableTensor(string teacherPath, TeacherTensorId id) =>
        new(DistillErrorKind.InvalidInput,
            $"{teacherPath}: the terms read the teacher's '{id.Name}', which Distill cannot tap from an ONNX teacher; use attention, hidden-state or logit terms");

    public static DistillException OutputLayoutMismatch(string teacherPath, CachedTensorSpec spec, long[] dims, int length) =>
        new(DistillErrorKind.InvalidInput,
            $"{teacherPath}: output '{spec.Source}' has shape [{string.Join(", ", dims)}] for a batch of one row of length {length}, " +
            $"which is not the layout of {spec.Kind} (see CachedTensorKind); pick the right tap for '{spec.Name}'");

    public static DistillException NotACache(string folder) =>
        new(DistillErrorKind.InvalidInput, $"{folder}: not a teacher cache (no {TeacherCacheManifest.FileName}); build it with 'distill cache'");

    public static DistillException ManifestUnreadable(string path, Exception error) =>
        new(DistillErrorKind.InvalidInput, $"{path}: unreadable ({error.Message}); delete the cache folder and build it again", error);

    public static DistillException NotAManifest(string path) =>
        new(DistillErrorKind.InvalidInput, $"{path}: not a Distill teacher-cache manifest");

    public static DistillException ManifestFormatVersion(string path, int version) =>
        new(DistillErrorKind.InvalidInput,
            $"{path}: format_version {version}, this Distill reads {TeacherCacheManifest.CurrentFormatVersion}; rebuild the cache with this Distill");

    public static DistillException NoSuchTensor(string key, string name, IEnumerable<CacheTensorLayout> tensors) =>
        new(DistillErrorKind.InvalidInput,
            $"the teacher cache {key} has no tensor '{name}' (it has {string.Join(", ", tensors.Select(t => t.Name))}); add it to the cached tensors and build again");

    public static DistillException Incomplete(string folder, IReadOnlyList<int> missing, int shards) =>
        new(DistillErrorKind.InvalidInput,
            $"{folder}: the cache is incomplete ({missing.Count} of {shards} shards missing, the first {ShardFormat.FileName(missing[0])}); " +
            "finish it by running its build again, which resumes: `distill cache build --recipe <recipe.yaml>` or the `distill cache build` command " +
            "that started it; or join the parts of a split build with `distill cache merge <merged folder> <part folders>`");

    public static DistillException MergeOtherCache(string folder, string key, string expectedKey) =>
        new(DistillErrorKind.InvalidInput,
            $"{folder}: holds cache {key}, not {expectedKey}; only the folders of one split build merge (same teacher, rows and options)");

    public static DistillException MergeTargetHoldsOtherCache(string target, string key, string expectedKey) =>
        new(DistillErrorKind.InvalidInput, $"{target}: holds cache {key}, not {expectedKey}; merge into an empty folder or the same cache");

    public static DistillException ShardDamaged(string path, string problem) =>
        new(DistillErrorKind.InvalidInput, $"{path}: {problem}; it is not used. Run the cache's build again, which rebuilds damaged shards: " +
                                              "`distill cache build --recipe <recipe.yaml>` or the `distill cache build` command that made it");

    public static DistillException ShardFailsChecksum(string path) =>
        ShardDamaged(path, "fails its checksum (the file is damaged)");

    public static DistillException ShardPositionOutside(string path, int position) =>
        ShardDamaged(path, $"lists row position {position} outside the cache");

    public static DistillException ShardPositionRepeated(string path, int position, int otherShard) =>
        ShardDamaged(path, $"lists row position {position} that {ShardFormat.FileName(otherShard)} holds too");

    public static DistillException NoTeachers() =>
        new(DistillErrorKind.InvalidInput, "teachers: an ensemble needs at least one teacher cache");

    public static DistillException EnsembleWeights(int teachers, IEnumerable<double> weights) =>
        new(DistillErrorKind.InvalidInput,
            $"teachers.weights must be {teachers} non-negative numbers, not all 0, one per teacher (was [{string.Join(", ", weights)}])");

    public static DistillException EnsembleClassCounts(IEnumerable<TeacherCache> caches) =>
        new(DistillErrorKind.InvalidInput,
            $"teachers: the caches have different class counts ({string.Join(", ", caches.Select(c => $"{c.Manifest.TeacherPath}: {c.Manifest.Tensor(CachedTensorSpec.LogitsName).Dims[0]}"))}); an ensemble needs teachers of the same labels");

    public static DistillException EnsembleRowCounts(TeacherCache cache, TeacherCache first) =>
        new(DistillErrorKind.InvalidInput,
            $"teachers: {cache.Manifest.TeacherPath}'s cache has {cache.Rows} rows, {first.Manifest.TeacherPath}'s {first.Rows}; build every teacher's cache from the same transfer set");

    public static DistillException EnsembleRowMissing(TeacherCache cache, long rowId, int augmentation) =>
        new(DistillErrorKind.InvalidInput,
            $"teachers: {cache.Manifest.TeacherPath}'s cache lacks row {rowId} (augmentation {augmentation}); build every teacher's cache from the same transfer set");
}
