using Distill.Cache;
using Distill.Losses;
using Distill.Students;

namespace Distill.Training.Internal;

/// <summary>
/// What one stage's loss terms read: the student intermediates to capture, the teacher tensors to load (by cache
/// name), whether labels and stepping-stone paths are needed. Worked out before training so that a missing teacher
/// tensor is an error at the start, not at step one thousand.
/// </summary>
internal sealed class LossNeeds
{
    public Intermediates Capture { get; private set; }

    public bool Labels { get; private set; }

    public bool Paths { get; private set; }

    /// <summary>Teacher tensors by cache name.</summary>
    public SortedSet<string> Teacher { get; } = new(StringComparer.Ordinal);

    /// <summary>True when a term compares tokens with the teacher's (student and teacher must tokenize alike).</summary>
    public bool TokenLevel { get; private set; }

    /// <summary>Analyses the terms of <paramref name="loss"/> for <paramref name="student"/> and the targets' teacher.</summary>
    /// <exception cref="DistillException">A term needs something the student or the targets do not have.</exception>
    public static LossNeeds Analyse(string stage, WeightedLossSum loss, StudentModel student, TeacherTargets? targets) =>
        Analyse(stage, loss, student.Options, targets is null ? null : new Available(targets.Tensors, targets.Layers, targets.GivesProbabilities, targets.Source));

    /// <summary>What a teacher offers: its tensors (null = whatever is asked for, when planning a cache), its layer count.</summary>
    public sealed record Available(IReadOnlyCollection<string>? Tensors, int? Layers, bool GivesProbabilities, string Source);

    /// <summary>
    /// Analyses the terms for a student of <paramref name="studentOptions"/> against <paramref name="available"/>; with
    /// <see cref="Available.Tensors"/> null it lists what a cache must hold instead of checking it.
    /// </summary>
    public static LossNeeds Analyse(string stage, WeightedLossSum loss, StudentOptions studentOptions, Available? available)
    {
        var needs = new LossNeeds();
        var studentLayers = studentOptions is TransformerStudentOptions t ? t.Layers : (int?)null;
        var studentStages = studentOptions is ImageCnnStudentOptions cnn ? cnn.StageChannels.Count : (int?)null;
        var targets = available;
        foreach (var term in loss.Terms)
        {
            void NeedTeacher(string tensor)
            {
                if (targets is null)
                {
                    throw TrainingErrors.TermNeedsTeacher(stage, term.Key, tensor);
                }

                if (targets.Tensors is not null && !targets.Tensors.Contains(tensor))
                {
                    throw TrainingErrors.TermNeedsTeacherTensor(stage, term.Key, tensor, targets.Source, targets.Tensors);
                }

                needs.Teacher.Add(tensor);
            }

            int TeacherLayers() => targets?.Layers ?? throw TrainingErrors.TeacherLayersUnknown(stage, term.Key, targets?.Source);

            int RequireLayers(string what) => studentLayers ?? throw TrainingErrors.TermNeedsTransformerStudent(stage, term.Key, what, studentOptions.ArchitectureName);

            switch (term)
            {
                case LabelCrossEntropyLoss:
                    needs.Labels = true;
                    break;
                case KdLoss kd:
                    NeedTeacher(CachedTensorSpec.LogitsName);
                    if (targets!.GivesProbabilities && !kd.Options.TeacherGivesProbabilities)
                    {
                        throw TrainingErrors.TeacherGivesProbabilities(stage, term.Key, targets.Source);
                    }

                    break;
                case DkdLoss:
                    NeedTeacher(CachedTensorSpec.LogitsName);
                    needs.Labels = true;
                    break;
                case BlockwiseLogitLoss:
                    NeedTeacher(CachedTensorSpec.LogitsName);
                    RequireLayers("hidden states");
                    needs.Paths = true;
                    needs.TokenLevel = true;
                    needs.Capture |= Intermediates.HiddenStates;
                    break;
                case AttentionMseLoss mse:
                    if (mse.Options.Kind == AttentionKind.Scores)
                    {
                        throw TrainingErrors.AttentionScoresNotCached(stage, term.Key);
                    }

                    foreach (var (_, teacher) in mse.Options.LayerMap.Pairs(RequireLayers("attention"), TeacherLayers()))
                    {
                        NeedTeacher(CachedTensorSpec.AttentionName(teacher));
                    }

                    needs.Capture |= Intermediates.AttentionProbabilities;
                    needs.TokenLevel = true;
                    break;
                case AttentionKlLoss kl:
                    foreach (var (_, teacher) in kl.Options.LayerMap.Pairs(RequireLayers("attention"), TeacherLayers()))
                    {
                        NeedTeacher(CachedTensorSpec.AttentionName(teacher));
                    }

                    needs.Capture |= Intermediates.AttentionScores;
                    needs.TokenLevel = true;
                    break;
                case ValueRelationLoss:
                    throw TrainingErrors.ValueVectorsNotCached(stage, term.Key);
                case HiddenMseLoss hidden:
                    NeedHidden(hidden.Options.LayerMap, hidden.Options.IncludeEmbeddings);
                    break;
                case HiddenCosineLoss cosine:
                    NeedHidden(cosine.Options.LayerMap, cosine.Options.IncludeEmbeddings);
                    break;
                case AttentionTransferLoss at:
                    var teacherStages = targets?.Tensors?.Count(n => TeacherTensorId.TryParse(n, out var id) && id.Kind == CachedTensorKind.Fixed) ?? targets?.Layers ?? 0;
                    var stages = studentStages ?? throw TrainingErrors.TermNeedsImageCnnStudent(stage, term.Key, studentOptions.ArchitectureName);
                    foreach (var (_, teacher) in (at.Options.StageMap ?? LayerMap.Uniform).Pairs(stages, Math.Max(teacherStages, 1)))
                    {
                        NeedTeacher(TeacherTensorId.FeatureMap(teacher).Name);
                    }

                    needs.Capture |= Intermediates.FeatureMaps;
                    break;
                default:
                    // A term of the user's own: it gets every intermediate the student has and every teacher tensor there is.
                    needs.Capture |= Intermediates.All;
                    needs.Labels = true;
                    foreach (var tensor in targets?.Tensors ?? [CachedTensorSpec.LogitsName])
                    {
                        needs.Teacher.Add(tensor);
                    }

                    break;
            }

            void NeedHidden(LayerMap map, bool embeddings)
            {
                var pairs = map.Pairs(RequireLayers("hidden states"), TeacherLayers());
                if (embeddings)
                {
                    NeedTeacher(CachedTensorSpec.HiddenName(0));
                }

                foreach (var (_, teacher) in pairs)
                {
                    NeedTeacher(CachedTensorSpec.HiddenName(teacher + 1));
                }

                needs.Capture |= Intermediates.HiddenStates;
                needs.TokenLevel = true;
            }
        }

        return needs;
    }
}
