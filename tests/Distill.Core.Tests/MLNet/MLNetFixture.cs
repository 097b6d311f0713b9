using Distill.Export;
using Distill.MLNet.Internal;
using Distill.Students;
using Distill.TestSupport;
using Microsoft.ML;
using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace Distill.Core.Tests.MLNet;

/// <summary>
/// What the ML.NET tests share: a small random BERT-like teacher over the bert-base-uncased vocabulary, exported by
/// Distill, and SST-2 rows as data views. Every test class gets its own folder, deleted afterwards.
/// </summary>
public sealed class MLNetFixture : IDisposable
{
    public MLNetFixture()
    {
        Folder = Directory.CreateTempSubdirectory("distill-mlnet-tests-").FullName;
        manual_seed(11);
        using var teacher = new TransformerStudent(new TransformerStudentOptions { MaxPositions = 128, Layers = 1, Hidden = 16, Heads = 2, Intermediate = 32 });
        teacher.eval();
        TeacherPath = System.IO.Path.Combine(Folder, "teacher.onnx");
        OnnxExporter.Export(teacher, TeacherPath);
    }

    public string Folder { get; }

    /// <summary>A 2-class teacher of token ids (input_ids, attention_mask, token_type_ids).</summary>
    public string TeacherPath { get; }

    public static string VocabPath => SharedData.Path("vocab", "bert-base-uncased.txt");

    /// <summary>The first <paramref name="rows"/> rows of an SST-2 split, as ML.NET's text loader reads them.</summary>
    public static IDataView Sst2(MLContext mlContext, string split = "train", int rows = 64) =>
        mlContext.Data.TakeRows(
            mlContext.Data.LoadFromTextFile<Sst2Row>(SharedData.Path("sst2", $"{split}.tsv"), separatorChar: '\t', hasHeader: true), rows);

    /// <summary>The first <paramref name="rows"/> sentences of an SST-2 split, read straight from the file.</summary>
    public static IReadOnlyList<string> Sentences(string split, int rows) =>
        File.ReadLines(SharedData.Path("sst2", $"{split}.tsv")).Skip(1).Take(rows).Select(line => line.Split('\t')[0]).ToList();

    public string Path(string name) => System.IO.Path.Combine(Folder, name);

    /// <summary>Every value of a column, in row order.</summary>
    public static List<T> Column<T>(IDataView data, string name)
    {
        var column = data.Schema[name];
        var values = new List<T>();
        using var cursor = data.GetRowCursor([column]);
        var getter = cursor.GetGetter<T>(column);
        T value = default!;
        while (cursor.MoveNext())
        {
            getter(ref value);
            values.Add(value);
        }

        return values;
    }

    /// <summary>Every value of a vector column, in row order, as arrays.</summary>
    public static List<TItem[]> Vectors<TItem>(IDataView data, string name)
    {
        var column = data.Schema[name];
        var values = new List<TItem[]>();
        using var cursor = data.GetRowCursor([column]);
        var getter = cursor.GetGetter<VBuffer<TItem>>(column);
        VBuffer<TItem> value = default;
        while (cursor.MoveNext())
        {
            // The getter may reuse the buffer for the next row: copy each row out.
            getter(ref value);
            values.Add(value.DenseValues().ToArray());
        }

        return values;
    }

    /// <summary>
    /// Asserts that an estimator's output shape names the same columns as the fitted transformer's output schema,
    /// with the same kind, item type, key-ness and annotation names.
    /// </summary>
    public static void ShouldAgree(SchemaShape shape, DataViewSchema schema)
    {
        var actual = SchemaShapes.Of(schema);
        shape.Select(c => c.Name).Should().BeEquivalentTo(actual.Select(c => c.Name));
        foreach (var expected in shape)
        {
            var column = actual.Single(c => c.Name == expected.Name);
            (column.Kind, column.ItemType, column.IsKey).Should().Be((expected.Kind, expected.ItemType, expected.IsKey), $"column '{expected.Name}' should be as the shape says");
            expected.Annotations.Select(a => a.Name).Except(column.Annotations.Select(a => a.Name)).Should()
                .BeEmpty($"column '{expected.Name}' should have the annotations the shape promises");
        }
    }

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}
