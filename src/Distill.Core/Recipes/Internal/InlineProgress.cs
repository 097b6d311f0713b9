namespace Distill.Recipes.Internal;

/// <summary>
/// Reports on the calling thread, in order. <see cref="Progress{T}"/> would post each report to the thread pool
/// (a console app has no synchronization context), so reports could arrive late, out of order and concurrently.
/// </summary>
internal sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
