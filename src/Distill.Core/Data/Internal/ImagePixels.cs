using SkiaSharp;

namespace Distill.Data.Internal;

/// <summary>
/// Decodes one image into channels-first floats in [0, 1], as torchvision's <c>ToTensor</c> gives them after PIL's
/// <c>convert("RGB")</c> or <c>convert("L")</c> and <c>Resize((height, width))</c>.
/// </summary>
internal static class ImagePixels
{
    // Bilinear with mipmaps: like PIL's resize, a large downscale averages the pixels it covers instead of skipping
    // them. Skia's filter is not PIL's, so resized pixels can differ from torchvision's by a few levels out of 255;
    // images already at the teacher's size are not resampled and match exactly.
    private static readonly SKSamplingOptions Sampling = new(SKFilterMode.Linear, SKMipmapMode.Linear);

    /// <summary>The pixels, or null when the file cannot be decoded as an image.</summary>
    public static float[]? Read(string file, int channels, int height, int width)
    {
        using var codec = SKCodec.Create(file);
        if (codec is null)
        {
            return null;
        }

        // Unpremultiplied RGBA: PIL's RGBA to RGB drops alpha without blending, so the colour values must be the stored
        // ones, not ones multiplied by alpha.
        var decodeInfo = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var decoded = SKBitmap.Decode(codec, decodeInfo);
        if (decoded is null)
        {
            return null;
        }

        var bitmap = decoded;
        SKBitmap? resized = null;
        if (decoded.Width != width || decoded.Height != height)
        {
            resized = decoded.Resize(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul), Sampling);
            if (resized is null)
            {
                return null;
            }

            bitmap = resized;
        }

        try
        {
            return ToChannelsFirst(bitmap.GetPixelSpan(), bitmap.RowBytes, channels, height, width);
        }
        finally
        {
            resized?.Dispose();
        }
    }

    private static float[] ToChannelsFirst(ReadOnlySpan<byte> rgba, int rowBytes, int channels, int height, int width)
    {
        var plane = height * width;
        var values = new float[channels * plane];
        for (var y = 0; y < height; y++)
        {
            var row = rgba.Slice(y * rowBytes, width * 4);
            for (var x = 0; x < width; x++)
            {
                int r = row[4 * x], g = row[4 * x + 1], b = row[4 * x + 2];
                var at = y * width + x;
                if (channels == 1)
                {
                    // PIL's convert("L"): ITU-R 601-2 luma in 16-bit fixed point, rounded, which is what a grayscale
                    // teacher trained through torchvision saw.
                    var luma = (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
                    values[at] = luma / 255f;
                }
                else
                {
                    // ToTensor divides by 255 (rather than multiplying by 1/255): the same float results.
                    values[at] = r / 255f;
                    values[plane + at] = g / 255f;
                    values[2 * plane + at] = b / 255f;
                }
            }
        }

        return values;
    }
}
