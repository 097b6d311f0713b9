using System.Text.Json.Nodes;
using Distill.MLNet.Internal;
using Distill.Platform;
using Distill.Teacher;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Distill.MLNet;

/// <summary>
/// The fitted teacher: adds the teacher's logits (<c>Vector&lt;Single, classes&gt;</c>) computed by ONNX Runtime, in
/// batches of <see cref="TeacherOutputsOptions.BatchSize"/> rows when a data view is transformed, one row at a time
/// in a <c>PredictionEngine</c>. Logits only: see <see cref="TeacherOutputsEstimator"/>. Saved with a copy of the
/// teacher's ONNX file by <see cref="DistillModel.Save"/>.
/// </summary>
public sealed class TeacherOutputsTransformer : DistillTransformer
{
    internal const string KindName = "teacher_outputs";
    internal const string TeacherFileName = "teacher.onnx";

    internal TeacherOutputsTransformer(TeacherOutputsOptions options, OnnxTeacher teacher, TeacherFacts facts)
    {
        Options = options;
        Teacher = teacher;
        Classes = facts.Classes;
        IsText = facts.IsText;
    }

    /// <summary>The settings.</summary>
    public TeacherOutputsOptions Options { get; }

    /// <summary>The teacher, loaded in ONNX Runtime. Dispose it to release the session at once when the model is no longer used.</summary>
    public OnnxTeacher Teacher { get; }

    /// <summary>The number of classes: the size of the logits column.</summary>
    public int Classes { get; }

    /// <summary>True for a teacher of token ids, false for a teacher of one float tensor.</summary>
    public bool IsText { get; }

    internal override string Kind => KindName;

    internal override void Release() => Teacher.Dispose();

    internal override IBoundMapping Bind(DataViewSchema inputSchema)
    {
        var dims = IsText ? null : TeacherFacts.FeatureDims(Teacher);
        var input = InputColumns.Of(inputSchema);
        TeacherOutputsEstimator.Check(input, Options, IsText, dims?.Aggregate(1L, (a, b) => a * b));
        var featureDims = IsText ? null : dims ?? [input.Find(Options.FeatureColumnName)!.Size!.Value];
        return new Mapping(this, inputSchema, featureDims);
    }

    internal override JsonObject SaveTo(string folder)
    {
        File.Copy(Options.TeacherPath, Path.Combine(folder, TeacherFileName));
        var map = new JsonObject();
        foreach (var (name, kind) in Options.InputMap ?? new Dictionary<string, TeacherInputKind>())
        {
            map[name] = kind.ToString();
        }

        return new JsonObject
        {
            ["teacher"] = TeacherFileName,
            ["teacher_hash"] = Teacher.ContentHash,
            ["input_ids_column"] = Options.InputIdsColumnName,
            ["attention_mask_column"] = Options.AttentionMaskColumnName,
            ["token_type_ids_column"] = Options.TokenTypeIdsColumnName,
            ["feature_column"] = Options.FeatureColumnName,
            ["output_column"] = Options.OutputColumnName,
            ["batch_size"] = Options.BatchSize,
            ["device"] = Options.Device.ToString(),
            ["intra_op_threads"] = Options.IntraOpThreads,
            ["input_map"] = map,
        };
    }

    internal static TeacherOutputsTransformer Load(string folder, ManifestReader settings)
    {
        var map = settings.Object("input_map").ToDictionary(
            p => p.Key,
            p => Enum.TryParse<TeacherInputKind>(p.Value?.GetValue<string>(), out var kind) ? kind : throw MLNetErrors.BadInputMapKind(folder, p.Key, p.Value));
        var options = new TeacherOutputsOptions
        {
            TeacherPath = Path.Combine(folder, settings.String("teacher")),
            InputIdsColumnName = settings.String("input_ids_column"),
            AttentionMaskColumnName = settings.String("attention_mask_column"),
            TokenTypeIdsColumnName = settings.String("token_type_ids_column"),
            FeatureColumnName = settings.String("feature_column"),
            OutputColumnName = settings.String("output_column"),
            BatchSize = settings.Int("batch_size"),
            Device = DeviceSetting.Parse(settings.String("device"), $"{folder}: settings.device"),
            IntraOpThreads = settings.Int("intra_op_threads"),
            InputMap = map.Count > 0 ? map : null,
        };
        var teacher = OnnxTeacher.Load(options.TeacherPath, options.TeacherOptions());
        try
        {
            settings.Expect("teacher_hash", teacher.ContentHash, "the teacher file was changed after saving; save the model again");
            return new TeacherOutputsTransformer(options, teacher, TeacherFacts.Of(teacher));
        }
        catch
        {
            teacher.Dispose();
            throw;
        }
    }

    /// <summary>One row's teacher inputs, copied out of the data view.</summary>
    private sealed record Row(long Position, long[]? Ids, long[]? Mask, long[]? Types, float[]? Features);

    private sealed class Mapping : BoundMapping<Row, float[]>
    {
        private readonly TeacherOutputsTransformer _owner;
        private readonly long[]? _featureDims;
        private readonly int _mask = -1;
        private readonly int _types = -1;

        public Mapping(TeacherOutputsTransformer owner, DataViewSchema input, long[]? featureDims)
            : base(input, [new AddedColumn(owner.Options.OutputColumnName, new VectorDataViewType(NumberDataViewType.Single, owner.Classes))],
                ReadColumns(owner, input, out var mask, out var types), owner.Options.BatchSize)
        {
            _owner = owner;
            _featureDims = featureDims;
            _mask = mask;
            _types = types;
        }

        public override Func<Row> CreateReader(DataViewRow row)
        {
            if (!_owner.IsText)
            {
                var features = row.GetGetter<VBuffer<float>>(Reads[0]);
                VBuffer<float> buffer = default;
                return () =>
                {
                    features(ref buffer);
                    return new Row(row.Position, null, null, null, buffer.DenseValues().ToArray());
                };
            }

            var ids = Longs(row, 0);
            var mask = _mask >= 0 ? Longs(row, _mask) : null;
            var types = _types >= 0 ? Longs(row, _types) : null;
            return () => new Row(row.Position, ids(), mask?.Invoke(), types?.Invoke(), null);
        }

        public override IReadOnlyList<float[]> Compute(IReadOnlyList<Row> rows)
        {
            var batch = _owner.IsText ? TextBatch(rows) : FeatureBatch(rows);
            var name = _owner.Teacher.LogitsOutput;
            using var outputs = _owner.Teacher.Run(batch, [name]);
            var dims = outputs.Dims(name);
            var classes = _owner.Classes;
            if (dims.Length != 2 || dims[0] != rows.Count || dims[1] != classes)
            {
                throw MLNetErrors.TeacherLogitsShape(_owner.Options.TeacherPath, name, dims, rows.Count, classes);
            }

            var values = outputs.Values(name);
            var result = new float[rows.Count][];
            for (var r = 0; r < rows.Count; r++)
            {
                result[r] = values.Slice(r * classes, classes).ToArray();
            }

            return result;
        }

        public override Delegate CreateGetter(int index, Func<float[]> current) =>
            (ValueGetter<VBuffer<float>>)((ref VBuffer<float> value) =>
            {
                var logits = current();
                var editor = VBufferEditor.Create(ref value, logits.Length);
                logits.CopyTo(editor.Values);
                value = editor.Commit();
            });

        private TeacherBatch TextBatch(IReadOnlyList<Row> rows)
        {
            var length = Math.Max(1, rows.Max(r => r.Ids!.Length));
            var ids = new long[rows.Count * length];
            var mask = new long[ids.Length];
            var types = _types >= 0 ? new long[ids.Length] : null;
            for (var r = 0; r < rows.Count; r++)
            {
                var row = rows[r];
                row.Ids!.CopyTo(ids, r * length);
                if (row.Mask is null)
                {
                    Array.Fill(mask, 1L, r * length, row.Ids.Length);
                }
                else
                {
                    Same(row, row.Mask, _owner.Options.AttentionMaskColumnName).CopyTo(mask, r * length);
                }

                if (types is not null)
                {
                    Same(row, row.Types!, _owner.Options.TokenTypeIdsColumnName).CopyTo(types, r * length);
                }
            }

            return new TeacherBatch { Rows = rows.Count, Length = length, InputIds = ids, AttentionMask = mask, TokenTypeIds = types };
        }

        private TeacherBatch FeatureBatch(IReadOnlyList<Row> rows)
        {
            var width = rows[0].Features!.Length;
            var features = new float[rows.Count * width];
            for (var r = 0; r < rows.Count; r++)
            {
                rows[r].Features!.CopyTo(features, r * width);
            }

            return new TeacherBatch { Rows = rows.Count, Features = features, FeatureDims = _featureDims };
        }

        private long[] Same(Row row, long[] values, string column) =>
            values.Length == row.Ids!.Length
                ? values
                : throw MLNetErrors.TokenColumnLength(row.Position, column, values.Length, _owner.Options.InputIdsColumnName, row.Ids.Length);

        private Func<long[]> Longs(DataViewRow row, int read)
        {
            var getter = row.GetGetter<VBuffer<long>>(Reads[read]);
            VBuffer<long> buffer = default;
            return () =>
            {
                getter(ref buffer);
                return buffer.DenseValues().ToArray();
            };
        }

        private static DataViewSchema.Column[] ReadColumns(TeacherOutputsTransformer owner, DataViewSchema input, out int mask, out int types)
        {
            mask = -1;
            types = -1;
            var options = owner.Options;
            if (!owner.IsText)
            {
                return [input[options.FeatureColumnName]];
            }

            var reads = new List<DataViewSchema.Column> { input[options.InputIdsColumnName] };
            if (input.GetColumnOrNull(options.AttentionMaskColumnName) is { } maskColumn)
            {
                mask = reads.Count;
                reads.Add(maskColumn);
            }

            if (input.GetColumnOrNull(options.TokenTypeIdsColumnName) is { } typesColumn)
            {
                types = reads.Count;
                reads.Add(typesColumn);
            }

            return reads.ToArray();
        }
    }
}
