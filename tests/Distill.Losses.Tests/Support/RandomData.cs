namespace Distill.Losses.Tests.Support;

/// <summary>
/// Seeded random inputs. Every value is exactly representable in float32, so a float32 tensor and the double array
/// the reference reads hold the same numbers and only the arithmetic differs.
/// </summary>
internal static class RandomData
{
    /// <summary>Uniform in [−scale, scale], rounded to float32.</summary>
    public static double Next(Random rng, double scale) => (float)((rng.NextDouble() * 2 - 1) * scale);

    public static double[] Vector(Random rng, int length, double scale = 2.0)
    {
        var v = new double[length];
        for (var i = 0; i < length; i++)
        {
            v[i] = Next(rng, scale);
        }

        return v;
    }

    public static double[,] Matrix(Random rng, int rows, int columns, double scale = 3.0)
    {
        var m = new double[rows, columns];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                m[r, c] = Next(rng, scale);
            }
        }

        return m;
    }

    public static double[,,] Array3(Random rng, int a, int b, int c, double scale = 1.0)
    {
        var x = new double[a, b, c];
        for (var i = 0; i < a; i++)
        {
            for (var j = 0; j < b; j++)
            {
                for (var k = 0; k < c; k++)
                {
                    x[i, j, k] = Next(rng, scale);
                }
            }
        }

        return x;
    }

    public static double[,,,] Array4(Random rng, int a, int b, int c, int d, double scale = 1.0)
    {
        var x = new double[a, b, c, d];
        for (var i = 0; i < a; i++)
        {
            for (var j = 0; j < b; j++)
            {
                for (var k = 0; k < c; k++)
                {
                    for (var l = 0; l < d; l++)
                    {
                        x[i, j, k, l] = Next(rng, scale);
                    }
                }
            }
        }

        return x;
    }

    /// <summary>Labels in [0, classes), with the rows listed in <paramref name="unlabelled"/> set to −1.</summary>
    public static long[] Labels(Random rng, int batch, int classes, params int[] unlabelled)
    {
        var labels = new long[batch];
        for (var b = 0; b < batch; b++)
        {
            labels[b] = unlabelled.Contains(b) ? -1 : rng.Next(classes);
        }

        return labels;
    }

    /// <summary>A [batch, sequence] token mask whose row b has <c>lengths[b]</c> tokens followed by padding.</summary>
    public static bool[,] Mask(int sequence, params int[] lengths)
    {
        var mask = new bool[lengths.Length, sequence];
        for (var b = 0; b < lengths.Length; b++)
        {
            for (var i = 0; i < lengths[b]; i++)
            {
                mask[b, i] = true;
            }
        }

        return mask;
    }

    /// <summary>
    /// Rows that are probability distributions (float32-representable; each row sums to 1 within float32 rounding),
    /// with the entries listed in <paramref name="zeros"/> as (row, class) set to exactly 0.
    /// </summary>
    public static double[,] ProbabilityRows(Random rng, int rows, int columns, params (int Row, int Column)[] zeros)
    {
        var p = new double[rows, columns];
        for (var r = 0; r < rows; r++)
        {
            var weights = new double[columns];
            for (var c = 0; c < columns; c++)
            {
                weights[c] = zeros.Contains((r, c)) ? 0 : Math.Exp(Next(rng, 2.0));
            }

            var sum = weights.Sum();
            for (var c = 0; c < columns; c++)
            {
                p[r, c] = (float)(weights[c] / sum);
            }
        }

        return p;
    }

    /// <summary>
    /// Attention probabilities [batch, heads, sequence, sequence] as a masked softmax gives them: each query row is a
    /// softmax of random scores over the row's tokens, exactly 0 at padded keys.
    /// </summary>
    public static double[,,,] AttentionProbabilities(Random rng, int batch, int heads, bool[,] mask, double scale = 2.0)
    {
        var sequence = mask.GetLength(1);
        var p = new double[batch, heads, sequence, sequence];
        for (var b = 0; b < batch; b++)
        {
            for (var h = 0; h < heads; h++)
            {
                for (var i = 0; i < sequence; i++)
                {
                    var weights = new double[sequence];
                    for (var j = 0; j < sequence; j++)
                    {
                        weights[j] = mask[b, j] ? Math.Exp(Next(rng, scale)) : 0;
                    }

                    var sum = weights.Sum();
                    for (var j = 0; j < sequence; j++)
                    {
                        p[b, h, i, j] = (float)(weights[j] / sum);
                    }
                }
            }
        }

        return p;
    }
}
