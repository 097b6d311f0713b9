namespace Distill.Losses.Tests.Support;

/// <summary>
/// The loss terms written again from their documented formulas with plain loops over double arrays, no TorchSharp.
/// Masks are [batch, sequence] booleans (true = token); null means every position is a token.
/// </summary>
internal static class ReferenceLosses
{
    // ------------------------------------------------------------------ building blocks

    public static double[] Row(double[,] matrix, int row)
    {
        var r = new double[matrix.GetLength(1)];
        for (var c = 0; c < r.Length; c++)
        {
            r[c] = matrix[row, c];
        }

        return r;
    }

    /// <summary>softmax(z / temperature).</summary>
    public static double[] Softmax(IReadOnlyList<double> z, double temperature = 1.0)
    {
        var max = z.Max();
        var e = z.Select(v => Math.Exp((v - max) / temperature)).ToArray();
        var sum = e.Sum();
        return e.Select(v => v / sum).ToArray();
    }

    /// <summary>log softmax(z / temperature).</summary>
    public static double[] LogSoftmax(IReadOnlyList<double> z, double temperature = 1.0)
    {
        var max = z.Max();
        var logSum = Math.Log(z.Sum(v => Math.Exp((v - max) / temperature)));
        return z.Select(v => (v - max) / temperature - logSum).ToArray();
    }

    /// <summary>Σ p·(log p − log q) with 0·log 0 = 0.</summary>
    public static double Kl(IReadOnlyList<double> p, IReadOnlyList<double> logQ)
    {
        var total = 0.0;
        for (var i = 0; i < p.Count; i++)
        {
            if (p[i] > 0)
            {
                total += p[i] * (Math.Log(p[i]) - logQ[i]);
            }
        }

        return total;
    }

    /// <summary>
    /// Probabilities tempered as softmax(log p / T) = p^(1/T) / Σ p^(1/T); a zero stays zero.
    /// </summary>
    public static double[] TemperProbabilities(IReadOnlyList<double> p, double temperature)
    {
        var powered = p.Select(v => v == 0 ? 0 : Math.Pow(v, 1 / temperature)).ToArray();
        var sum = powered.Sum();
        return powered.Select(v => v / sum).ToArray();
    }

    // ------------------------------------------------------------------ logit terms

    /// <summary>
    /// −(1/|B_l|) Σ_{b ∈ B_l} Σ_c q_b(c)·log softmax(s_b)(c), q_b = (1 − ε)·onehot(y_b) + ε/C; 0 when no row is labelled.
    /// </summary>
    public static double CrossEntropy(double[,] logits, long[] labels, double smoothing = 0)
    {
        var classes = logits.GetLength(1);
        var total = 0.0;
        var count = 0;
        for (var b = 0; b < labels.Length; b++)
        {
            if (labels[b] < 0)
            {
                continue;
            }

            var logP = LogSoftmax(Row(logits, b));
            for (var c = 0; c < classes; c++)
            {
                var q = (1 - smoothing) * (c == labels[b] ? 1 : 0) + smoothing / classes;
                total -= q * logP[c];
            }

            count++;
        }

        return count == 0 ? 0 : total / count;
    }

    /// <summary>T²·KL(p_t ‖ p_s) for one row, p = softmax(z/T) (teacher probabilities tempered as documented).</summary>
    public static double KdRow(IReadOnlyList<double> student, IReadOnlyList<double> teacher, double temperature, bool teacherGivesProbabilities = false)
    {
        var pt = teacherGivesProbabilities ? TemperProbabilities(teacher, temperature) : Softmax(teacher, temperature);
        return temperature * temperature * Kl(pt, LogSoftmax(student, temperature));
    }

    /// <summary>T²·(1/B) Σ_b KL(softmax(t_b/T) ‖ softmax(s_b/T)).</summary>
    public static double Kd(double[,] student, double[,] teacher, double temperature, bool teacherGivesProbabilities = false)
    {
        var batch = student.GetLength(0);
        var total = 0.0;
        for (var b = 0; b < batch; b++)
        {
            total += KdRow(Row(student, b), Row(teacher, b), temperature, teacherGivesProbabilities);
        }

        return total / batch;
    }

    /// <summary>T²·TCKD and T²·NCKD of one row, from their definitions with probabilities.</summary>
    public static (double Tckd, double Nckd) DkdRow(IReadOnlyList<double> student, IReadOnlyList<double> teacher, long label, double temperature)
    {
        var g = (int)label;
        var ps = Softmax(student, temperature);
        var pt = Softmax(teacher, temperature);
        double[] bt = [pt[g], 1 - pt[g]];
        double[] bs = [ps[g], 1 - ps[g]];
        var tckd = Kl(bt, [Math.Log(bs[0]), Math.Log(bs[1])]);

        var otherStudent = student.Where((_, c) => c != g).ToArray();
        var otherTeacher = teacher.Where((_, c) => c != g).ToArray();
        var nckd = Kl(Softmax(otherTeacher, temperature), LogSoftmax(otherStudent, temperature));
        var t2 = temperature * temperature;
        return (t2 * tckd, t2 * nckd);
    }

    /// <summary>The two DKD parts (T² included), averaged over labelled rows; (0, 0) when none is labelled.</summary>
    public static (double Tckd, double Nckd) DkdParts(double[,] student, double[,] teacher, long[] labels, double temperature)
    {
        var (tckd, nckd, count) = (0.0, 0.0, 0);
        for (var b = 0; b < labels.Length; b++)
        {
            if (labels[b] < 0)
            {
                continue;
            }

            var (t, n) = DkdRow(Row(student, b), Row(teacher, b), labels[b], temperature);
            tckd += t;
            nckd += n;
            count++;
        }

        return count == 0 ? (0, 0) : (tckd / count, nckd / count);
    }

    /// <summary>w·T²·(α·TCKD + β·NCKD), averaged over labelled rows.</summary>
    public static double Dkd(double[,] student, double[,] teacher, long[] labels, double temperature, double alpha, double beta, double warmup = 1.0)
    {
        var (tckd, nckd) = DkdParts(student, teacher, labels, temperature);
        return warmup * (alpha * tckd + beta * nckd);
    }

    /// <summary>Σ_{i=1..n} 2^−(n−i)·KD(z_i, t) + λ·KD(s, mean_i z_i).</summary>
    public static double Blockwise(double[,] student, double[,] teacher, IReadOnlyList<double[,]> paths, double temperature, double crossWeight)
    {
        var (pathPart, cross) = BlockwiseParts(student, teacher, paths, temperature);
        return pathPart + crossWeight * cross;
    }

    public static (double Paths, double Cross) BlockwiseParts(double[,] student, double[,] teacher, IReadOnlyList<double[,]> paths, double temperature)
    {
        var n = paths.Count;
        var pathPart = 0.0;
        for (var i = 1; i <= n; i++)
        {
            pathPart += Math.Pow(2, -(n - i)) * Kd(paths[i - 1], teacher, temperature);
        }

        var (rows, columns) = (student.GetLength(0), student.GetLength(1));
        var mean = new double[rows, columns];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                mean[r, c] = paths.Average(p => p[r, c]);
            }
        }

        return (pathPart, Kd(student, mean, temperature));
    }

    // ------------------------------------------------------------------ attention transfer (CNN)

    /// <summary>
    /// PyTorch's adaptive average pooling of one map: output cell (i, j) averages input rows
    /// [⌊i·H/h⌋, ⌈(i+1)·H/h⌉) and columns [⌊j·W/w⌋, ⌈(j+1)·W/w⌉).
    /// </summary>
    public static double[,] AdaptiveAvgPool2d(double[,] map, int outHeight, int outWidth)
    {
        var (height, width) = (map.GetLength(0), map.GetLength(1));
        var pooled = new double[outHeight, outWidth];
        for (var i = 0; i < outHeight; i++)
        {
            var y0 = i * height / outHeight;
            var y1 = ((i + 1) * height + outHeight - 1) / outHeight;
            for (var j = 0; j < outWidth; j++)
            {
                var x0 = j * width / outWidth;
                var x1 = ((j + 1) * width + outWidth - 1) / outWidth;
                var sum = 0.0;
                for (var y = y0; y < y1; y++)
                {
                    for (var x = x0; x < x1; x++)
                    {
                        sum += map[y, x];
                    }
                }

                pooled[i, j] = sum / ((y1 - y0) * (x1 - x0));
            }
        }

        return pooled;
    }

    /// <summary>
    /// The normalised attention map of each example: channel mean of |A|^p, pooled to (height, width) when the map
    /// has another size, flattened and divided by its L2 norm. Returns [batch][height·width].
    /// </summary>
    public static double[][] AttentionMaps(double[,,,] features, double p, int height, int width)
    {
        var (batch, channels, h, w) = (features.GetLength(0), features.GetLength(1), features.GetLength(2), features.GetLength(3));
        var maps = new double[batch][];
        for (var b = 0; b < batch; b++)
        {
            var map = new double[h, w];
            for (var y = 0; y < h; y++)
            {
                for (var x = 0; x < w; x++)
                {
                    var sum = 0.0;
                    for (var c = 0; c < channels; c++)
                    {
                        sum += Math.Pow(Math.Abs(features[b, c, y, x]), p);
                    }

                    map[y, x] = sum / channels;
                }
            }

            if (h != height || w != width)
            {
                map = AdaptiveAvgPool2d(map, height, width);
            }

            var flat = map.Cast<double>().ToArray();
            var norm = Math.Max(Math.Sqrt(flat.Sum(v => v * v)), 1e-12);
            maps[b] = flat.Select(v => v / norm).ToArray();
        }

        return maps;
    }

    /// <summary>mean over batch and positions of (Q_s/‖Q_s‖ − Q_t/‖Q_t‖)², on the smaller height and smaller width.</summary>
    public static double AttentionTransfer(double[,,,] student, double[,,,] teacher, double p)
    {
        var height = Math.Min(student.GetLength(2), teacher.GetLength(2));
        var width = Math.Min(student.GetLength(3), teacher.GetLength(3));
        var qs = AttentionMaps(student, p, height, width);
        var qt = AttentionMaps(teacher, p, height, width);
        var total = 0.0;
        for (var b = 0; b < qs.Length; b++)
        {
            for (var k = 0; k < qs[b].Length; k++)
            {
                total += (qs[b][k] - qt[b][k]) * (qs[b][k] - qt[b][k]);
            }
        }

        return total / (qs.Length * height * width);
    }

    // ------------------------------------------------------------------ transformer attention terms

    private static bool Token(bool[,]? mask, int b, int i) => mask is null || mask[b, i];

    /// <summary>Averages each run of k = H_t / H_s consecutive teacher heads into one.</summary>
    public static double[,,,] GroupHeads(double[,,,] teacher, int studentHeads)
    {
        var (batch, heads, queries, keys) = (teacher.GetLength(0), teacher.GetLength(1), teacher.GetLength(2), teacher.GetLength(3));
        var k = heads / studentHeads;
        var grouped = new double[batch, studentHeads, queries, keys];
        for (var b = 0; b < batch; b++)
        {
            for (var h = 0; h < studentHeads; h++)
            {
                for (var i = 0; i < queries; i++)
                {
                    for (var j = 0; j < keys; j++)
                    {
                        var sum = 0.0;
                        for (var u = 0; u < k; u++)
                        {
                            sum += teacher[b, h * k + u, i, j];
                        }

                        grouped[b, h, i, j] = sum / k;
                    }
                }
            }
        }

        return grouped;
    }

    /// <summary>(1/(H·|V|)) Σ_h Σ_{(i,j) ∈ V} (A_s − A_t)², V = pairs whose query and key are both tokens.</summary>
    public static double AttentionMse(double[,,,] student, double[,,,] teacher, bool[,]? mask)
    {
        var (batch, heads, sequence) = (student.GetLength(0), student.GetLength(1), student.GetLength(2));
        var grouped = GroupHeads(teacher, heads);
        var total = 0.0;
        var pairs = 0;
        for (var b = 0; b < batch; b++)
        {
            for (var i = 0; i < sequence; i++)
            {
                for (var j = 0; j < sequence; j++)
                {
                    if (!Token(mask, b, i) || !Token(mask, b, j))
                    {
                        continue;
                    }

                    pairs++;
                    for (var h = 0; h < heads; h++)
                    {
                        var d = student[b, h, i, j] - grouped[b, h, i, j];
                        total += d * d;
                    }
                }
            }
        }

        return total / ((double)pairs * heads);
    }

    /// <summary>
    /// Mean over heads and valid queries of Σ_{valid keys} KL between the teacher's row distribution and the
    /// student's; student rows are log-softmaxed over the valid keys, teacher rows are probabilities already, or
    /// softmaxed over the valid keys when <paramref name="teacherIsLogits"/>.
    /// </summary>
    public static double MaskedRowKl(double[,,,] studentLogits, double[,,,] teacher, bool teacherIsLogits, bool[,]? mask)
    {
        var (batch, heads, sequence) = (studentLogits.GetLength(0), studentLogits.GetLength(1), studentLogits.GetLength(2));
        var total = 0.0;
        var queries = 0;
        for (var b = 0; b < batch; b++)
        {
            var keys = Enumerable.Range(0, sequence).Where(j => Token(mask, b, j)).ToArray();
            for (var i = 0; i < sequence; i++)
            {
                if (!Token(mask, b, i))
                {
                    continue;
                }

                queries++;
                for (var h = 0; h < heads; h++)
                {
                    var logQ = LogSoftmax(keys.Select(j => studentLogits[b, h, i, j]).ToArray());
                    var row = keys.Select(j => teacher[b, h, i, j]).ToArray();
                    var p = teacherIsLogits ? Softmax(row) : row;
                    total += Kl(p, logQ);
                }
            }
        }

        return total / ((double)queries * heads);
    }

    /// <summary>MiniLM attention KL: teacher probabilities (heads grouped by averaging) against softmax of student scores.</summary>
    public static double AttentionKl(double[,,,] studentScores, double[,,,] teacherProbabilities, bool[,]? mask) =>
        MaskedRowKl(studentScores, GroupHeads(teacherProbabilities, studentScores.GetLength(1)), teacherIsLogits: false, mask);

    /// <summary>
    /// Relation logits [batch, R, L, L]: heads concatenated into one vector of H·d per position, split into R heads of
    /// d_r = H·d/R, and V_r·V_rᵀ/√d_r.
    /// </summary>
    public static double[,,,] RelationLogits(double[,,,] values, int relationHeads)
    {
        var (batch, heads, length, size) = (values.GetLength(0), values.GetLength(1), values.GetLength(2), values.GetLength(3));
        var relationSize = heads * size / relationHeads;
        double Component(int b, int r, int l, int k)
        {
            var c = r * relationSize + k; // index in the concatenation of the heads
            return values[b, c / size, l, c % size];
        }

        var logits = new double[batch, relationHeads, length, length];
        for (var b = 0; b < batch; b++)
        {
            for (var r = 0; r < relationHeads; r++)
            {
                for (var i = 0; i < length; i++)
                {
                    for (var j = 0; j < length; j++)
                    {
                        var dot = 0.0;
                        for (var k = 0; k < relationSize; k++)
                        {
                            dot += Component(b, r, i, k) * Component(b, r, j, k);
                        }

                        logits[b, r, i, j] = dot / Math.Sqrt(relationSize);
                    }
                }
            }
        }

        return logits;
    }

    /// <summary>MiniLM(v2) value relation: KL between relation softmaxes, mean over relation heads and valid queries.</summary>
    public static double ValueRelation(double[,,,] studentValues, double[,,,] teacherValues, int relationHeads, bool[,]? mask) =>
        MaskedRowKl(RelationLogits(studentValues, relationHeads), RelationLogits(teacherValues, relationHeads), teacherIsLogits: true, mask);

    // ------------------------------------------------------------------ hidden-state terms

    /// <summary>
    /// (1/(|tokens|·d_t)) Σ_tokens ‖h_s·Wᵀ + b − h_t‖², W = [d_t, d_s] as nn.Linear stores it; no projection when
    /// <paramref name="weight"/> is null.
    /// </summary>
    public static double HiddenMse(double[,,] student, double[,,] teacher, double[,]? weight, double[]? bias, bool[,]? mask)
    {
        var (batch, sequence, studentHidden) = (student.GetLength(0), student.GetLength(1), student.GetLength(2));
        var teacherHidden = teacher.GetLength(2);
        var total = 0.0;
        var tokens = 0;
        for (var b = 0; b < batch; b++)
        {
            for (var l = 0; l < sequence; l++)
            {
                if (!Token(mask, b, l))
                {
                    continue;
                }

                tokens++;
                for (var o = 0; o < teacherHidden; o++)
                {
                    double mapped;
                    if (weight is null)
                    {
                        mapped = student[b, l, o];
                    }
                    else
                    {
                        mapped = bias?[o] ?? 0;
                        for (var i = 0; i < studentHidden; i++)
                        {
                            mapped += student[b, l, i] * weight[o, i];
                        }
                    }

                    var d = mapped - teacher[b, l, o];
                    total += d * d;
                }
            }
        }

        return total / ((double)tokens * teacherHidden);
    }

    /// <summary>(1/|tokens|) Σ_tokens (1 − cos(h_s, h_t)).</summary>
    public static double Cosine(double[,,] student, double[,,] teacher, bool[,]? mask)
    {
        var (batch, sequence, hidden) = (student.GetLength(0), student.GetLength(1), student.GetLength(2));
        var total = 0.0;
        var tokens = 0;
        for (var b = 0; b < batch; b++)
        {
            for (var l = 0; l < sequence; l++)
            {
                if (!Token(mask, b, l))
                {
                    continue;
                }

                var (dot, ss, tt) = (0.0, 0.0, 0.0);
                for (var k = 0; k < hidden; k++)
                {
                    dot += student[b, l, k] * teacher[b, l, k];
                    ss += student[b, l, k] * student[b, l, k];
                    tt += teacher[b, l, k] * teacher[b, l, k];
                }

                total += 1 - dot / (Math.Sqrt(ss) * Math.Sqrt(tt));
                tokens++;
            }
        }

        return total / tokens;
    }
}
