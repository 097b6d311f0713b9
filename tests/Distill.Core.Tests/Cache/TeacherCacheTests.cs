using Distill.Cache;
using Distill.Export;
using static TorchSharp.torch;

namespace Distill.Core.Tests.Cache;

public class TeacherCacheTests : IClassFixture<CacheFixture>
{
    private readonly CacheFixture _fixture;

    public TeacherCacheTests(CacheFixture fixture)
    {
        _fixture = fixture;
    }

    [Fact]
    public void Build_Should_StoreEachRowsTeacherOutputs_AtItsTrueLength()
    {
        // Arrange
        var rows = CacheFixture.Sst2Rows(40);
        var builder = new TeacherCacheBuilder(_fixture.Teacher, _fixture.TeacherPath, _fixture.Options());

        // Act
        var result = builder.Build(rows, _fixture.Root("store"));
        using var cache = TeacherCache.Open(result.Folder);

        // Assert: each row equals the teacher run on that row alone, within float16 rounding.
        result.Complete.Should().BeTrue();
        result.Built.Should().Equal(0, 1, 2);
        cache.Rows.Should().Be(40);
        foreach (var position in new[] { 0, 7, 21, 39 })
        {
            var row = rows[position];
            using var alone = _fixture.Teacher.Run(Distill.Cache.Internal.BatchAssembler.Assemble([row]),
                [OnnxNames.Logits, _fixture.Attention1, _fixture.Hidden2]);
            cache.RowInfo(position).Should().Be((row.RowId, 0, row.Length));
            var (logits, logitDims) = cache.Read(position, CachedTensorSpec.LogitsName);
            logitDims.Should().Equal(2);
            logits.Should().Equal(alone.Values(OnnxNames.Logits).ToArray(), (a, b) => Math.Abs(a - b) <= 2e-3 * Math.Max(1, Math.Abs(b)));
            var (attention, attentionDims) = cache.Read(position, CachedTensorSpec.AttentionName(1));
            attentionDims.Should().Equal(4, row.Length, row.Length);
            attention.Should().Equal(alone.Values(_fixture.Attention1).ToArray(), (a, b) => Math.Abs(a - b) <= 1e-3);
            var (hidden, hiddenDims) = cache.Read(position, CachedTensorSpec.HiddenName(2));
            hiddenDims.Should().Equal(row.Length, 32);
            hidden.Should().Equal(alone.Values(_fixture.Hidden2).ToArray(), (a, b) => Math.Abs(a - b) <= 2e-3 * Math.Max(1, Math.Abs(b)));
        }
    }

    [Fact]
    public void Build_Should_StoreRaggedFloat16_WellUnderThePaddedFloat32Size()
    {
        var rows = CacheFixture.Sst2Rows(64);
        var result = new TeacherCacheBuilder(_fixture.Teacher, _fixture.TeacherPath, _fixture.Options()).Build(rows, _fixture.Root("size"));

        var summary = TeacherCache.Inspect(result.Folder);

        // Exactly the true-length values at two bytes each, plus a 64-byte header and 32 bytes of row table per row.
        var values = rows.Sum(r => 2 + 4L * r.Length * r.Length + 32L * r.Length);
        summary.Bytes.Should().Be(values * 2 + 4 * 64 + rows.Count * 32L);
        var paddedFloat32 = rows.Count * (2 + 4L * 64 * 64 + 64 * 32) * 4;
        summary.Bytes.Should().BeLessThan(paddedFloat32 / 20);
        summary.ToString().Should().Contain("attention.1 [4, L, L]").And.Contain("hidden.2 [L, 32]").And.Contain("float16");
    }

    [Fact]
    public void Build_Should_BeAHit_When_NothingChanged_And_ANewKey_When_AnythingDid()
    {
        var rows = CacheFixture.Sst2Rows(20);
        var root = _fixture.Root("keys");
        var builder = new TeacherCacheBuilder(_fixture.Teacher, _fixture.TeacherPath, _fixture.Options());
        var first = builder.Build(rows, root);
        var before = CacheFixture.Files(first.Folder);

        var again = builder.Build(rows, root);
        var otherRows = builder.KeyFor(CacheFixture.Sst2Rows(20, skip: 1));
        var otherAugmentation = builder.KeyFor(rows.Select((r, i) => i == 3 ? r with { AugmentationId = 1 } : r).ToList());
        var otherTokenizer = builder.KeyFor(rows, new Dictionary<string, string> { ["tokenizer"] = "sha256:other" });
        var float32 = new TeacherCacheBuilder(_fixture.Teacher, _fixture.TeacherPath, _fixture.Options(type: CacheElementType.Float32)).KeyFor(rows);
        var fewerTensors = new TeacherCacheBuilder(_fixture.Teacher, _fixture.TeacherPath, _fixture.Options() with { Tensors = [CachedTensorSpec.Logits(OnnxNames.Logits)] }).KeyFor(rows);

        again.WasHit.Should().BeTrue();
        again.Key.Should().Be(first.Key);
        CacheFixture.Files(again.Folder).Should().BeEquivalentTo(before);
        new[] { otherRows, otherAugmentation, otherTokenizer, float32, fewerTensors }.Should().OnlyHaveUniqueItems().And.NotContain(first.Key);
    }

    [Fact]
    public void Build_Should_ResumeToTheSameBytes_When_StoppedBetweenShards()
    {
        var rows = CacheFixture.Sst2Rows(50);
        var whole = new TeacherCacheBuilder(_fixture.Teacher, _fixture.TeacherPath, _fixture.Options()).Build(rows, _fixture.Root("whole"));
        var root = _fixture.Root("stopped");
        var stopping = new TeacherCacheBuilder(_fixture.Teacher, _fixture.TeacherPath, _fixture.Options())
        {
            ShardCommitted = shard => { if (shard == 1) throw new OperationCanceledException("stopped after shard 1"); },
        };

        var stop = () => stopping.Build(rows, root);
        stop.Should().Throw<OperationCanceledException>();
        TeacherCache.Inspect(Path.Combine(root, whole.Key)).Complete.Should().BeFalse();
        var resumed = new TeacherCacheBuilder(_fixture.Teacher, _fixture.TeacherPath, _fixture.Options()).Build(rows, root);

        resumed.Reused.Should().Equal(0, 1);
        resumed.Built.Should().Equal(2, 3);
        CacheFixture.Files(resumed.Folder).Should().BeEquivalentTo(CacheFixture.Files(whole.Folder));
    }

    [Fact]
    public void Build_Should_RebuildTornAndDamagedShards_And_DropStaleTemporaryFiles()
    {
        var rows = CacheFixture.Sst2Rows(50);
        var builder = new TeacherCacheBuilder(_fixture.Teacher, _fixture.TeacherPath, _fixture.Options());
        var whole = builder.Build(rows, _fixture.Root("repair-whole"));
        var root = _fixture.Root("repair");
        var built = builder.Build(rows, root);
        var torn = Path.Combine(built.Folder, "shard-00001.dcs");
        File.WriteAllBytes(torn, File.ReadAllBytes(torn)[..100]);               // a write cut short
        var damaged = Path.Combine(built.Folder, "shard-00002.dcs");
        var bytes = File.ReadAllBytes(damaged);
        bytes[^10] ^= 0x40;                                                      // one flipped bit
        File.WriteAllBytes(damaged, bytes);
        File.WriteAllText(Path.Combine(built.Folder, "shard-00003.dcs.tmp-1-abc"), "left by a killed build");

        var repaired = builder.Build(rows, root);

        repaired.Rebuilt.Should().HaveCount(2);
        repaired.Rebuilt[0].Should().Contain("shard-00001.dcs").And.Contain("torn write");
        repaired.Rebuilt[1].Should().Contain("shard-00002.dcs").And.Contain("checksum");
        Directory.GetFiles(built.Folder, "*.tmp-*").Should().BeEmpty();
        CacheFixture.Files(repaired.Folder).Should().BeEquivalentTo(CacheFixture.Files(whole.Folder));
    }

    [Fact]
    public void Open_Should_RefuseADamagedShard_When_ItIsRead()
    {
        var rows = CacheFixture.Sst2Rows(40);
        var built = new TeacherCacheBuilder(_fixture.Teacher, _fixture.TeacherPath, _fixture.Options()).Build(rows, _fixture.Root("refuse"));
        var path = Path.Combine(built.Folder, "shard-00001.dcs");
        var bytes = File.ReadAllBytes(path);
        bytes[200] ^= 0x01;
        File.WriteAllBytes(path, bytes);
        using var cache = TeacherCache.Open(built.Folder);

        var failures = new List<string>();
        var read = 0;
        for (var position = 0; position < cache.Rows; position++)
        {
            try
            {
                cache.Read(position, CachedTensorSpec.LogitsName).Values.Should().HaveCount(2);
                read++;
            }
            catch (DistillException e)
            {
                failures.Add(e.Message);
            }
        }

        // Shards are 16 rows: the 16 rows of the damaged one fail, the 24 of the others are read.
        read.Should().Be(24);
        failures.Should().HaveCount(16).And.AllBe($"{path}: fails its checksum (the file is damaged); it is not used. Run the cache's build again, which rebuilds damaged shards: " +
                                                 "`distill cache build --recipe <recipe.yaml>` or the `distill cache build` command that made it");
    }

    [Fact]
    public void SplitBuilds_Should_MergeToTheSameBytes_AsOneBuild()
    {
        var rows = CacheFixture.Sst2Rows(70);
        var builder = new TeacherCacheBuilder(_fixture.Teacher, _fixture.TeacherPath, _fixture.Options());
        var whole = builder.Build(rows, _fixture.Root("split-whole"));

        var parts = Enumerable.Range(0, 3).Select(i => builder.Build(rows, _fixture.Root($"split-{i}"), selection: new ShardSelection(i, 3))).ToList();
        var merged = TeacherCache.Merge(Path.Combine(_fixture.Root("split-merged"), whole.Key), parts.Select(p => p.Folder).ToList());

        parts.Select(p => p.Built).Should().BeEquivalentTo(new[] { new[] { 0, 3 }, new[] { 1, 4 }, new[] { 2 } }, o => o.WithStrictOrdering());
        parts.Should().OnlyContain(p => !p.Complete);
        merged.Complete.Should().BeTrue();
        CacheFixture.Files(merged.Folder).Should().BeEquivalentTo(CacheFixture.Files(whole.Folder));
    }

    [Fact]
    public void Merge_Should_Refuse_When_TheFoldersHoldDifferentCaches()
    {
        var builder = new TeacherCacheBuilder(_fixture.Teacher, _fixture.TeacherPath, _fixture.Options());
        var a = builder.Build(CacheFixture.Sst2Rows(10), _fixture.Root("merge-a"));
        var b = builder.Build(CacheFixture.Sst2Rows(10, skip: 10), _fixture.Root("merge-b"));

        var act = () => TeacherCache.Merge(_fixture.Root("merge-target"), [a.Folder, b.Folder]);

        act.Should().Throw<DistillException>().WithMessage($"{b.Folder}: holds cache {b.Key}, not {a.Key}; only the folders of one split build merge*");
    }

    [Fact]
    public void Read_Should_NotAllocatePerRow_When_ReadingAnEpochIntoABuffer()
    {
        var rows = CacheFixture.Sst2Rows(64);
        var built = new TeacherCacheBuilder(_fixture.Teacher, _fixture.TeacherPath, _fixture.Options(type: CacheElementType.Float32)).Build(rows, _fixture.Root("mmap"));
        using var cache = TeacherCache.Open(built.Folder);
        var buffer = new float[4 * 64 * 64];
        cache.Read(0, CachedTensorSpec.AttentionName(1), buffer); // maps and verifies the first shard
        for (var p = 0; p < cache.Rows; p++)
        {
            cache.RowInfo(p);
        }

        var name = CachedTensorSpec.AttentionName(1);
        double Epoch()
        {
            double sum = 0;
            for (var p = 0; p < cache.Rows; p++)
            {
                var count = (int)cache.ElementsOf(p, name);
                cache.Read(p, name, buffer);
                foreach (var value in buffer.AsSpan(0, count))
                {
                    sum += value;
                }
            }

            return sum;
        }

        Epoch(); // the first pass compiles the code paths
        var before = GC.GetAllocatedBytesForCurrentThread();
        var total = Epoch();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Values are decoded from the mapping into the caller's buffer: an epoch allocates nothing per row.
        allocated.Should().BeLessThan(1024);
        TeacherCache.Inspect(built.Folder).Bytes.Should().BeGreaterThan(300_000, "the cache is far larger than what the read allocated");
        total.Should().BeApproximately(4.0 * rows.Sum(r => r.Length), 0.05, "each of 4 heads gives every query a distribution");
    }

    [Fact]
    public void ReadBatch_Should_PadRaggedRowsWithZeros()
    {
        var rows = CacheFixture.Sst2Rows(12);
        var built = new TeacherCacheBuilder(_fixture.Teacher, _fixture.TeacherPath, _fixture.Options()).Build(rows, _fixture.Root("batch"));
        using var cache = TeacherCache.Open(built.Folder);
        using var scope = NewDisposeScope();
        int[] positions = [2, 5, 9];
        var longest = positions.Max(p => rows[p].Length);

        var attention = cache.ReadBatch(positions, CachedTensorSpec.AttentionName(1));
        var hidden = cache.ReadBatch(positions, CachedTensorSpec.HiddenName(2), padLength: 40);
        var logits = cache.ReadBatch(positions, CachedTensorSpec.LogitsName);

        attention.shape.Should().Equal(3, 4, longest, longest);
        hidden.shape.Should().Equal(3, 40, 32);
        logits.shape.Should().Equal(3, 2);
        for (var i = 0; i < 3; i++)
        {
            var length = rows[positions[i]].Length;
            attention[i].sum().item<float>().Should().BeApproximately(4 * length, 1e-2f, "each query of each head is a distribution");
            hidden[i, length..].abs().sum().item<float>().Should().Be(0);
            var expected = cache.Read(positions[i], CachedTensorSpec.HiddenName(2)).Values;
            hidden[i, ..length].flatten().data<float>().ToArray().Should().Equal(expected);
        }
    }

    [Fact]
    public void Build_Should_NameTheOutputAndItsShape_When_ATapIsNotOfItsKind()
    {
        var options = _fixture.Options() with { Tensors = [CachedTensorSpec.Attention(0, _fixture.Hidden2)] };

        var act = () => new TeacherCacheBuilder(_fixture.Teacher, _fixture.TeacherPath, options).Build(CacheFixture.Sst2Rows(3), _fixture.Root("wrong"));

        act.Should().Throw<DistillException>().WithMessage("*output '*' has shape [1, *, 32] for a batch of one row of length *, which is not the layout of AttentionProbabilities*");
    }

    [Fact]
    public void Open_Should_NameTheShard_When_ARowTableListsARowTwice()
    {
        var rows = CacheFixture.Sst2Rows(40);
        var built = new TeacherCacheBuilder(_fixture.Teacher, _fixture.TeacherPath, _fixture.Options()).Build(rows, _fixture.Root("table"));
        var first = File.ReadAllBytes(Path.Combine(built.Folder, "shard-00000.dcs"));
        var second = Path.Combine(built.Folder, "shard-00001.dcs");
        var bytes = File.ReadAllBytes(second);
        // The position field of shard 1's first row (offset 64 + 16) takes the position of shard 0's first row.
        Array.Copy(first, 64 + 16, bytes, 64 + 16, 4);
        File.WriteAllBytes(second, bytes);

        var act = () => TeacherCache.Open(built.Folder);

        act.Should().Throw<DistillException>().WithMessage($"{second}: lists row position * that shard-00000.dcs holds too; it is not used. Run the cache's build again, which rebuilds damaged shards: `distill cache build --recipe <recipe.yaml>`*");
    }
}
