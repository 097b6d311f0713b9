using Distill.Losses;
using Distill.Students;
using Distill.Training.Internal;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

#pragma warning disable IDE1006 // the connectors field name is its state-dict key

namespace Distill.Training;

/// <summary>
/// The models behind block-wise logit distillation (Yu et al. 2024, "Decoupling Dark Knowledge via Block-wise Logit
/// Distillation for Feature-level Alignment", arXiv 2411.01547): the teacher as a frozen TorchSharp transformer, and
/// one connector per student block that maps the student's hidden state into the teacher's width.
/// <para>
/// Blocks and paths. The layer map (uniform by default) pairs student layers with teacher layers; each pair
/// (s_i, g_i), ordered by student layer, is a block boundary, i = 1..n. Block i of the student ends after its layer
/// s_i, and the teacher's part it stands in for ends after layer g_i. Stepping-stone path i runs the student's layers
/// 0..s_i, connector i (a linear map from the student's hidden size to the teacher's), then the teacher's layers
/// g_i + 1 to N − 1, its pooler and its classifier. With the uniform map the last student layer pairs with the
/// teacher's last layer, so the last path is the whole student, the connector and the teacher's head. A student layer
/// the map leaves out is no block boundary; it still runs inside every later path.
/// </para>
/// <para>
/// Loss. <see cref="PathLogits"/> returns z_1..z_n for <see cref="BlockwiseLogitLoss"/>, which computes
/// <c>L_block = Σ_(i=1..n) 2^−(n−i)·KD(z_i, z_t) + λ·KD(z_s, mean_i z_i)</c>. The teacher's weights never change,
/// but the paths' gradients flow through its layers into the connectors and the student's layers 0..s_i.
/// </para>
/// <para>
/// Ownership. The teacher is frozen in place by the constructor (every parameter gets <c>requires_grad = false</c>,
/// and it is put in eval mode) and is not a registered submodule: <c>parameters()</c> and <c>state_dict()</c> hold the
/// connectors only (<c>connectors.0.weight</c>, ...), <see cref="train"/> leaves the teacher in eval mode, and
/// disposing this module leaves the teacher to its owner, the caller. Moving this module with <c>to()</c> moves the
/// teacher with it, so that the paths run on one device.
/// </para>
/// </summary>
public sealed class BlockwiseDistillation : nn.Module
{
    private readonly ModuleList<Linear> connectors;
    private readonly TransformerStudent _teacher;
    private readonly TransformerStudentOptions _student;

    /// <summary>Creates the connectors for <paramref name="student"/> against the frozen <paramref name="teacher"/>.</summary>
    /// <param name="teacher">The teacher, with its weights loaded; frozen in place and left to the caller to dispose.</param>
    /// <param name="student">The student's settings: its layer count and hidden size set the blocks and connectors.</param>
    /// <param name="blocks">Which teacher layer each student block ends at. Default <see cref="LayerMap.Uniform"/>.</param>
    /// <exception cref="DistillException">The student's settings are invalid or do not fit the teacher, or the layer map
    /// does not fit the layer counts or sends later student blocks to earlier teacher layers.</exception>
    public BlockwiseDistillation(TransformerStudent teacher, TransformerStudentOptions student, LayerMap? blocks = null)
        : base(nameof(BlockwiseDistillation))
    {
        ArgumentNullException.ThrowIfNull(teacher);
        ArgumentNullException.ThrowIfNull(student);
        student.ThrowIfInvalid();
        var t = teacher.Settings;

        // The paths hand the student's hidden state at each token position to the teacher's layers at the same
        // position, so both must read the same token sequence; a different vocabulary means a different tokenizer.
        if (student.VocabSize != t.VocabSize)
        {
            throw TrainingErrors.BlockwiseVocabSize(student.VocabSize, t.VocabSize);
        }

        if (student.NumLabels != t.NumLabels)
        {
            throw TrainingErrors.BlockwiseNumLabels(student.NumLabels, t.NumLabels);
        }

        Blocks = PlanBlocks(blocks ?? LayerMap.Uniform, student.Layers, t.Layers);
        _student = student;
        _teacher = teacher;
        foreach (var parameter in teacher.parameters())
        {
            parameter.requires_grad = false;
        }

        teacher.eval();
        connectors = nn.ModuleList(Blocks.Select(_ => nn.Linear(student.Hidden, t.Hidden)).ToArray());

        // Registered by hand rather than by RegisterComponents(), which would register every module-typed field and so
        // put the teacher's weights into parameters() (and the optimizer) and state_dict().
        register_module(nameof(connectors), connectors);

        // New connectors start on the teacher's device and dtype, where the paths run; moving this module (rather
        // than the connectors alone) keeps TorchSharp's record of its device right for later moves.
        var reference = teacher.parameters().First();
        this.to(reference.device, reference.dtype);
    }

    /// <summary>
    /// The blocks, ordered by student layer: block i ends after student layer <c>Student</c> and stands in for the
    /// teacher up to layer <c>Teacher</c> (both from 0); connector i and path i belong to it.
    /// </summary>
    public IReadOnlyList<(int Student, int Teacher)> Blocks { get; }

    /// <summary>The frozen teacher the paths run through.</summary>
    public TransformerStudent Teacher => _teacher;

    /// <summary>
    /// The logits of every stepping-stone path, in block order (z_1..z_n, [batch, classes] each), ready for
    /// <see cref="LossInputs.PathLogits"/> and <see cref="BlockwiseLogitLoss"/>. Path i applies connector i to the
    /// student's output of layer s_i and runs the teacher from layer g_i + 1 on it.
    /// </summary>
    /// <param name="studentHiddenStates">The student's hidden states as <see cref="Intermediates.HiddenStates"/> gives
    /// them: the embeddings, then each layer's output, [batch, sequence, student hidden] each (layers + 1 of them).</param>
    /// <param name="attentionMask">The batch's mask, 1 for tokens and 0 for padding, [batch, sequence].</param>
    /// <exception cref="ArgumentException">The hidden states do not fit the student or the mask.</exception>
    public IReadOnlyList<Tensor> PathLogits(IReadOnlyList<Tensor> studentHiddenStates, Tensor attentionMask)
    {
        CheckInputs(studentHiddenStates, attentionMask);

        // The caller owns the teacher and may have switched it to training since; a frozen teacher runs as at
        // inference, without dropout in its tail, so the paths put it back in eval mode.
        if (_teacher.training)
        {
            _teacher.eval();
        }

        using var scope = NewDisposeScope();
        var paths = new List<Tensor>(Blocks.Count);
        for (var i = 0; i < Blocks.Count; i++)
        {
            var (student, teacher) = Blocks[i];
            var projected = connectors[i].call(studentHiddenStates[student + 1]);
            paths.Add(_teacher.ForwardFromLayer(projected, attentionMask, teacher + 1));
        }

        return paths.Select(p => p.MoveToOuterDisposeScope()).ToList();
    }

    /// <summary>Sets the connectors' mode; the teacher stays in eval mode whatever is asked.</summary>
    public override void train(bool train = true)
    {
        base.train(train);
        _teacher.eval();
    }

    /// <inheritdoc />
    protected override void _toEpilog(ScalarType? dtype, Device? device, bool non_blocking)
    {
        base._toEpilog(dtype, device, non_blocking);

        // The teacher is not a registered child, so TorchSharp does not move it; the paths need it beside the
        // connectors. Parameters keep requires_grad when moved, so it stays frozen.
        if (device is null)
        {
            _teacher.to(dtype!.Value, non_blocking);
        }
        else if (dtype is null)
        {
            _teacher.to(device, non_blocking);
        }
        else
        {
            _teacher.to(device, dtype.Value, non_blocking);
        }
    }

    private static IReadOnlyList<(int Student, int Teacher)> PlanBlocks(LayerMap map, int studentLayers, int teacherLayers)
    {
        IReadOnlyList<(int Student, int Teacher)> pairs;
        try
        {
            pairs = map.Pairs(studentLayers, teacherLayers);
        }
        catch (ArgumentException e)
        {
            throw TrainingErrors.BlockwiseLayerMap(e);
        }

        var ordered = pairs.OrderBy(p => p.Student).ToList();
        if (ordered.Count == 0)
        {
            throw TrainingErrors.BlockwiseNoBlocks(map, studentLayers, teacherLayers);
        }

        // Path i + 1 runs more of the student than path i, so it must hand over to the teacher no earlier; a later
        // block that maps to an earlier teacher layer would run some teacher layers twice. Equal layers are allowed:
        // uniform gives them when the student is deeper than the teacher.
        for (var i = 1; i < ordered.Count; i++)
        {
            if (ordered[i].Teacher < ordered[i - 1].Teacher)
            {
                throw TrainingErrors.BlockwiseLayersNotIncreasing(map, ordered[i], ordered[i - 1]);
            }
        }

        return ordered;
    }

    private void CheckInputs(IReadOnlyList<Tensor> hiddenStates, Tensor attentionMask)
    {
        ArgumentNullException.ThrowIfNull(hiddenStates);
        ArgumentNullException.ThrowIfNull(attentionMask);
        var expected = _student.Layers + 1;
        if (hiddenStates.Count != expected)
        {
            throw new ArgumentException(
                $"blockwise distillation: expected {expected} student hidden states (the embeddings, then each of the student's {_student.Layers} layers), got {hiddenStates.Count}; run the student with Intermediates.HiddenStates",
                nameof(hiddenStates));
        }

        if (attentionMask.dim() != 2)
        {
            throw new ArgumentException(
                $"blockwise distillation: attentionMask must be [batch, sequence], got [{Shape(attentionMask)}]", nameof(attentionMask));
        }

        var teacherDevice = _teacher.parameters().First().device;
        for (var k = 0; k < hiddenStates.Count; k++)
        {
            var hidden = hiddenStates[k];
            if (hidden.dim() != 3 || hidden.shape[2] != _student.Hidden)
            {
                throw new ArgumentException(
                    $"blockwise distillation: student hidden state {k} must be [batch, sequence, {_student.Hidden}] (the student's hidden size), got [{Shape(hidden)}]; pass the hidden states of the student these connectors were made for",
                    nameof(hiddenStates));
            }

            // The teacher's tail attends over the student's positions with the batch's mask: the student must have
            // read the same token sequence as the mask describes.
            if (hidden.shape[0] != attentionMask.shape[0] || hidden.shape[1] != attentionMask.shape[1])
            {
                throw new ArgumentException(
                    $"blockwise distillation: student hidden state {k} covers [batch, sequence] = [{hidden.shape[0]}, {hidden.shape[1]}] but attentionMask is [{Shape(attentionMask)}]; student and teacher must read the same tokenized batch",
                    nameof(hiddenStates));
            }

            if (hidden.device_type != teacherDevice.type || (hidden.device_type == DeviceType.CUDA && hidden.device_index != teacherDevice.index))
            {
                throw new ArgumentException(
                    $"blockwise distillation: student hidden state {k} is on {hidden.device} but the teacher is on {teacherDevice}; move this module with .to({hidden.device})",
                    nameof(hiddenStates));
            }
        }
    }

    private static string Shape(Tensor t) => string.Join(", ", t.shape);
}
