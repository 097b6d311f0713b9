using Distill.Cache;
using Distill.Training.Internal;
using static TorchSharp.torch;

namespace Distill.Training;

/// <summary>
/// Where a run reads the teacher's targets: a teacher cache (logits, attention maps, hidden states, feature maps), an
/// ensemble of caches (probabilities), or logits held in memory (what ML.NET pipelines carry in a column).
/// </summary>
public abstract class TeacherTargets
{
    /// <summary>Targets read from a teacher cache, rows matched to the training examples by (row id, augmentation id).</summary>
    public static TeacherTargets FromCache(TeacherCache cache) => new CachedTargets(cache ?? throw new ArgumentNullException(nameof(cache)));

    /// <summary>Logits held in memory, one row per training example, in the training examples' order.</summary>
    public static TeacherTargets FromLogits(IReadOnlyList<float[]> logits) => new LogitTargets(logits ?? throw new ArgumentNullException(nameof(logits)));

    /// <summary>An ensemble's class probabilities (train with the KD option for teachers that give probabilities).</summary>
    public static TeacherTargets FromEnsemble(TeacherEnsemble ensemble) => new EnsembleTargets(ensemble ?? throw new ArgumentNullException(nameof(ensemble)));

    /// <summary>Number of classes the teacher predicts.</summary>
    public abstract int Classes { get; }

    /// <summary>The teacher's transformer layer count (for layer maps); null when unknown.</summary>
    public virtual int? Layers => null;

    /// <summary>True when the "logits" are probabilities (an ensemble).</summary>
    public virtual bool GivesProbabilities => false;

    /// <summary>What the targets are, for messages: a cache folder, "logits in memory", ...</summary>
    public abstract string Source { get; }

    /// <summary>Names of the tensors available per row: <c>logits</c>, <c>attention.{layer}</c>, <c>hidden.{index}</c>, ...</summary>
    public abstract IReadOnlyCollection<string> Tensors { get; }

    /// <summary>Matches the training examples to the teacher's rows; an error names a row the targets lack.</summary>
    internal abstract void Bind(IReadOnlyList<StudentExample> examples);

    /// <summary>The teacher's length (tokens) of bound example <paramref name="example"/>, or null when it has none.</summary>
    internal virtual int? LengthOf(int example) => null;

    /// <summary>The tensor of several bound examples as one float32 tensor [rows, ...], padded to <paramref name="padLength"/>.</summary>
    internal abstract Tensor Read(IReadOnlyList<int> examples, string tensor, int padLength);

    private sealed class CachedTargets(TeacherCache cache) : TeacherTargets
    {
        private int[] _positions = [];

        public override int Classes => (int)cache.Manifest.Tensor(CachedTensorSpec.LogitsName).Dims[0];

        public override int? Layers => cache.Manifest.TeacherLayers;

        public override string Source => $"the teacher cache {cache.Folder}";

        public override IReadOnlyCollection<string> Tensors => cache.Manifest.Tensors.Select(t => t.Name).ToList();

        internal override void Bind(IReadOnlyList<StudentExample> examples)
        {
            _positions = new int[examples.Count];
            for (var i = 0; i < examples.Count; i++)
            {
                try
                {
                    _positions[i] = cache.PositionOf(examples[i].RowId, examples[i].AugmentationId);
                }
                catch (KeyNotFoundException)
                {
                    throw TrainingErrors.CacheLacksRow(Source, examples[i].RowId, examples[i].AugmentationId);
                }
            }
        }

        internal override int? LengthOf(int example) => cache.RowInfo(_positions[example]).Length;

        internal override Tensor Read(IReadOnlyList<int> examples, string tensor, int padLength) =>
            cache.ReadBatch(examples.Select(e => _positions[e]).ToList(), tensor, padLength);
    }

    private sealed class LogitTargets(IReadOnlyList<float[]> logits) : TeacherTargets
    {
        public override int Classes => logits.Count > 0 ? logits[0].Length : 0;

        public override string Source => "the teacher logits given in memory";

        public override IReadOnlyCollection<string> Tensors => [CachedTensorSpec.LogitsName];

        internal override void Bind(IReadOnlyList<StudentExample> examples)
        {
            if (logits.Count != examples.Count)
            {
                throw TrainingErrors.LogitRowCount(logits.Count, examples.Count);
            }

            var width = logits.Select(l => l.Length).Distinct().ToList();
            if (width.Count != 1)
            {
                throw TrainingErrors.LogitRowWidths(width);
            }
        }

        internal override Tensor Read(IReadOnlyList<int> examples, string tensor, int padLength)
        {
            var values = new float[examples.Count * Classes];
            for (var i = 0; i < examples.Count; i++)
            {
                logits[examples[i]].CopyTo(values, i * Classes);
            }

            return TorchSharp.torch.tensor(values, [examples.Count, Classes]);
        }
    }

    private sealed class EnsembleTargets(TeacherEnsemble ensemble) : TeacherTargets
    {
        private readonly TeacherCache _first = ensemble.Caches[0];
        private int[] _positions = [];

        public override int Classes => ensemble.Classes;

        public override bool GivesProbabilities => true;

        public override string Source => $"the ensemble of {ensemble.Caches.Count} teacher caches";

        public override IReadOnlyCollection<string> Tensors => [CachedTensorSpec.LogitsName];

        internal override void Bind(IReadOnlyList<StudentExample> examples)
        {
            _positions = examples.Select(e =>
            {
                try
                {
                    return _first.PositionOf(e.RowId, e.AugmentationId);
                }
                catch (KeyNotFoundException)
                {
                    throw TrainingErrors.EnsembleLacksRow(Source, e.RowId, e.AugmentationId);
                }
            }).ToArray();
        }

        internal override Tensor Read(IReadOnlyList<int> examples, string tensor, int padLength) =>
            ensemble.ReadProbabilities(examples.Select(e => _positions[e]).ToList());
    }
}
