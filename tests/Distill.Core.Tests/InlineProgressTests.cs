namespace Distill.Core.Tests;

public sealed class InlineProgressTests
{
    [Fact]
    public void Report_Should_CallBackOnTheReportingThreadInOrder_When_ValuesAreReported()
    {
        // Arrange
        var seen = new List<(int Value, int Thread)>();
        IProgress<int> progress = new InlineProgress<int>(v => seen.Add((v, Environment.CurrentManagedThreadId)));

        // Act: each report must have been handled when Report returns (Progress<T> would post it to the thread pool)
        var handledOnReturn = new List<int>();
        for (var i = 0; i < 100; i++)
        {
            progress.Report(i);
            handledOnReturn.Add(seen.Count);
        }

        // Assert
        seen.Select(s => s.Value).Should().Equal(Enumerable.Range(0, 100));
        seen.Should().OnlyContain(s => s.Thread == Environment.CurrentManagedThreadId);
        handledOnReturn.Should().Equal(Enumerable.Range(1, 100));
    }
}
