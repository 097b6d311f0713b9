using Distill.Cache;
using Distill.Training;

namespace Distill.Recipes;

/// <summary>What a recipe run tells its caller as it goes; the CLI turns it into progress bars and tables.</summary>
public interface IRecipeObserver
{
    /// <summary>A phase starts, e.g. "teacher cache" or "distilled student, seed 1".</summary>
    void Phase(string name) { }

    /// <summary>A line worth showing (a fallback, a cache hit, a truncation count).</summary>
    void Notice(string message) { }

    /// <summary>Progress of a teacher-cache build.</summary>
    void Cache(TeacherCacheProgress progress) { }

    /// <summary>Progress of a training run.</summary>
    void Training(string run, TrainingProgress progress) { }
}
