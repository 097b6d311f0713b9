namespace Distill;

/// <summary>What kind of failure a <see cref="DistillException"/> reports; the CLI turns it into an exit code.</summary>
public enum DistillErrorKind
{
    /// <summary>The user's input (a recipe, a file, a setting) is wrong; the message says how to fix it. Exit code 2.</summary>
    InvalidInput,

    /// <summary>The machine lacks something the run needs (a GPU, a native library). Exit code 2.</summary>
    Environment,

    /// <summary>A run started and failed (a NaN loss, say). Exit code 1.</summary>
    RunFailed,
}

/// <summary>
/// An error Distill reports to its user in one line: what is wrong, with the value seen, and how to fix it.
/// </summary>
public class DistillException : Exception
{
    /// <summary>Creates the error.</summary>
    public DistillException(DistillErrorKind kind, string message, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
    }

    /// <summary>What kind of failure this is.</summary>
    public DistillErrorKind Kind { get; }
}
