namespace Distill.Text.Internal;

/// <summary>
/// The errors of reading a vocabulary and encoding text, each one line that names the file, setting or row, what was
/// seen and what to do. All are <see cref="DistillErrorKind.InvalidInput"/> (exit code 2: nothing will change until the
/// user gives another file or setting).
/// </summary>
internal static class TextErrors
{
    public static DistillException InvalidEncoderSettings(IEnumerable<string> problems) =>
        new(DistillErrorKind.InvalidInput, "Invalid text encoder settings: " + string.Join("; ", problems));

    public static DistillException VocabularyMissing(string path) =>
        new(DistillErrorKind.InvalidInput, $"{path}: vocabulary file not found; pass the vocab.txt that the tokenizer reads");

    public static DistillException UnreadableVocabulary(string path, Exception error) =>
        new(DistillErrorKind.InvalidInput,
            $"{path}: cannot read the vocabulary ({error.Message}); give a BERT vocab.txt with one token per " +
            "line and [CLS], [SEP], [PAD], [UNK] and [MASK] among them", error);

    public static DistillException WrongTextCount(long rowId, int count) =>
        new(DistillErrorKind.InvalidInput,
            $"row {rowId} has {count} texts; a text encoder reads one text or a sentence pair (set text_columns to one " +
            "or two columns)");
}
