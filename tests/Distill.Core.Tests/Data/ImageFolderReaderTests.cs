using Distill.Core.Tests.Students.Checkpoints;
using Distill.Data;
using SkiaSharp;

namespace Distill.Core.Tests.Data;

public sealed class ImageFolderReaderTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>Writes an image whose pixel (x, y) is <paramref name="color"/>(x, y).</summary>
    private string Image(string relativePath, int width, int height, Func<int, int, SKColor> color,
        SKEncodedImageFormat format = SKEncodedImageFormat.Png)
    {
        var path = Path.Combine(_temp.Path, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                bitmap.SetPixel(x, y, color(x, y));
            }
        }

        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(format, 100);
        File.WriteAllBytes(path, data.ToArray());
        return path;
    }

    private DataSourceOptions Options(int height, int width, int channels = 3) =>
        new() { Path = _temp.Path, ImageHeight = height, ImageWidth = width, ImageChannels = channels };

    [Fact]
    public void Read_Should_GiveChannelsFirstPixelsOverTwoFiftyFive_When_ImagesAreAtTheTargetSize()
    {
        // Arrange: a 3x2 image with distinct values per pixel and channel.
        Image("cat/a.png", 3, 2, (x, y) => new SKColor((byte)(10 * x + y), (byte)(100 + x), (byte)(200 + 20 * y)));

        // Act
        var row = DataSource.Read(Options(2, 3)).Single();

        // Assert: [C, H, W] flattened, value = byte / 255.
        var expected = new float[3 * 2 * 3];
        for (var y = 0; y < 2; y++)
        {
            for (var x = 0; x < 3; x++)
            {
                expected[0 * 6 + y * 3 + x] = (10 * x + y) / 255f;
                expected[1 * 6 + y * 3 + x] = (100 + x) / 255f;
                expected[2 * 6 + y * 3 + x] = (200 + 20 * y) / 255f;
            }
        }

        row.Features.Should().Equal(expected);
        row.Label.Should().Be("cat");
        row.Texts.Should().BeEmpty();
    }

    [Fact]
    public void Read_Should_NumberRowsInTheSortedListing_When_ClassesAndFilesAreOutOfOrder()
    {
        // Arrange: classes and files written out of order, one in a nested folder; a stray text file is skipped.
        Image("dog/b.png", 1, 1, (_, _) => SKColors.Red);
        Image("cat/z.jpg", 1, 1, (_, _) => SKColors.Red, SKEncodedImageFormat.Jpeg);
        Image("dog/a.PNG", 1, 1, (_, _) => SKColors.Red);
        Image("cat/sub/a.png", 1, 1, (_, _) => SKColors.Red);
        File.WriteAllText(_temp["dog/notes.txt"], "not an image");

        // Act
        var rows = DataSource.Read(Options(1, 1)).ToList();

        // Assert: torchvision's order: classes sorted, then a class's own files before its subfolders' files.
        rows.Select(r => (r.Id, r.Label)).Should().Equal((0L, "cat"), (1L, "cat"), (2L, "dog"), (3L, "dog"));
        DataSource.ImageFolderClasses(_temp.Path).Should().Equal("cat", "dog");
    }

    [Fact]
    public void Read_Should_UsePilLumaWeights_When_OneChannelIsAsked()
    {
        Image("x/a.png", 1, 1, (_, _) => new SKColor(200, 100, 50));

        var row = DataSource.Read(Options(1, 1, channels: 1)).Single();

        // PIL: L = (200·19595 + 100·38470 + 50·7471 + 32768) >> 16 = 124.
        row.Features.Should().Equal(124 / 255f);
    }

    [Fact]
    public void Read_Should_DropAlphaWithoutBlending_When_ImagesHaveTransparency()
    {
        Image("x/a.png", 1, 1, (_, _) => new SKColor(200, 100, 50, 128));

        var row = DataSource.Read(Options(1, 1)).Single();

        row.Features.Should().Equal(200 / 255f, 100 / 255f, 50 / 255f);
    }

    [Fact]
    public void Read_Should_ResizeToTheTeachersSize_When_ImagesAreLarger()
    {
        // Arrange: a solid colour stays that colour at any size; a JPEG may move each value by a level or two.
        Image("a/solid.png", 16, 12, (_, _) => new SKColor(30, 60, 90));
        Image("b/solid.jpg", 9, 9, (_, _) => new SKColor(30, 60, 90), SKEncodedImageFormat.Jpeg);

        // Act
        var rows = DataSource.Read(Options(4, 5)).ToList();

        // Assert
        rows.Should().HaveCount(2).And.OnlyContain(r => r.Features!.Length == 3 * 4 * 5);
        rows[0].Features.Should().Equal(Enumerable.Repeat(30 / 255f, 20).Concat(Enumerable.Repeat(60 / 255f, 20))
            .Concat(Enumerable.Repeat(90 / 255f, 20)));
        rows[1].Features!.Chunk(20).Select(c => c.Average() * 255).Should()
            .Equal([30.0, 60.0, 90.0], (a, b) => Math.Abs(a - b) <= 3);
    }

    [Fact]
    public void Read_Should_ApplyTheNormalization_When_OneIsGiven()
    {
        Image("x/a.png", 1, 1, (_, _) => new SKColor(255, 0, 51));

        var row = DataSource.Read(Options(1, 1) with
        {
            Normalization = new FeatureNormalization { Mean = [0.5f, 0.5f, 0.5f], Std = [0.5f, 0.5f, 0.1f] },
        }).Single();

        row.Features.Should().Equal([1f, -1f, -3f], (a, b) => Math.Abs(a - b) < 1e-6f);
    }

    [Fact]
    public void Read_Should_SayHowAnImageFolderIsLaidOut_When_ItHasNoClassSubfolders()
    {
        Image("a.png", 1, 1, (_, _) => SKColors.Red);

        var act = () => DataSource.Read(Options(1, 1)).ToList();

        act.Should().Throw<DistillException>().Where(e => e.Kind == DistillErrorKind.InvalidInput).WithMessage(
            $"{_temp.Path}: no class subfolders; an image folder holds one subfolder per class (such as cat/ and dog/) " +
            "with that class's images inside (found files here: a.png)");
    }

    [Fact]
    public void Read_Should_NameTheFile_When_AnImageCannotBeDecoded()
    {
        Image("cat/a.png", 1, 1, (_, _) => SKColors.Red);
        Directory.CreateDirectory(_temp["dog"]);
        File.WriteAllBytes(_temp["dog/broken.png"], [0x89, 0x50, 0x4E, 0x47, 1, 2, 3]);

        var act = () => DataSource.Read(Options(1, 1)).ToList();

        act.Should().Throw<DistillException>().WithMessage(
            $"{Path.Combine(_temp.Path, "dog", "broken.png")}: cannot decode the image (not a readable PNG, JPEG, BMP or " +
            "WebP file); fix or remove it");
    }

    [Fact]
    public void Read_Should_NameTheFolder_When_AClassFolderHasNoImages()
    {
        Image("cat/a.png", 1, 1, (_, _) => SKColors.Red);
        Directory.CreateDirectory(_temp["dog"]);

        var act = () => DataSource.Read(Options(1, 1)).ToList();

        act.Should().Throw<DistillException>().WithMessage($"{Path.Combine(_temp.Path, "dog")}: class folder has no images*");
    }

    [Fact]
    public void Read_Should_NameTheClassFolder_When_ItIsNotInTheLabelMap()
    {
        Image("cat/a.png", 1, 1, (_, _) => SKColors.Red);
        Image("emu/a.png", 1, 1, (_, _) => SKColors.Red);

        var act = () => DataSource.Read(Options(1, 1), LabelMap.FromLabels(["cat", "dog"])).ToList();

        act.Should().Throw<DistillException>().WithMessage(
            $"{_temp.Path}: unknown label 'emu' (class folder emu/); the known labels are: cat, dog;*");
    }
}
