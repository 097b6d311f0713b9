using Distill.Cache.Internal;

namespace Distill.Core.Tests.Cache;

public class CacheErrorsTests
{
    private const string Rebuild =
        "; it is not used. Run the cache's build again, which rebuilds damaged shards: `distill cache build --recipe <recipe.yaml>` or the `distill cache build` command that made it";

    [Fact]
    public void ShardFactories_Should_NameTheShardAndHowToRebuildIt()
    {
        // Act
        var checksum = CacheErrors.ShardFailsChecksum("cache/shard-00001.dcs");
        var outside = CacheErrors.ShardPositionOutside("cache/shard-00001.dcs", 12);
        var repeated = CacheErrors.ShardPositionRepeated("cache/shard-00001.dcs", 3, 0);

        // Assert
        checksum.Kind.Should().Be(DistillErrorKind.InvalidInput);
        checksum.Message.Should().Be("cache/shard-00001.dcs: fails its checksum (the file is damaged)" + Rebuild);
        outside.Message.Should().Be("cache/shard-00001.dcs: lists row position 12 outside the cache" + Rebuild);
        repeated.Message.Should().Be("cache/shard-00001.dcs: lists row position 3 that shard-00000.dcs holds too" + Rebuild);
    }

    [Fact]
    public void Incomplete_Should_CountTheMissingShardsAndNameTheFirst()
    {
        // Act
        var error = CacheErrors.Incomplete("cache", [2, 5], 8);

        // Assert
        error.Kind.Should().Be(DistillErrorKind.InvalidInput);
        error.Message.Should().Be(
            "cache: the cache is incomplete (2 of 8 shards missing, the first shard-00002.dcs); finish it by running its build again, which resumes: " +
            "`distill cache build --recipe <recipe.yaml>` or the `distill cache build` command that started it; " +
            "or join the parts of a split build with `distill cache merge <merged folder> <part folders>`");
    }

    [Fact]
    public void FeatureShapeMismatch_Should_GiveTheRowWidthAndWhatTheShapeHolds()
    {
        // Act
        var error = CacheErrors.FeatureShapeMismatch(10, [3, 4]);

        // Assert
        error.Message.Should().Be("rows have 10 feature values, but the feature shape [3, 4] holds 12");
    }

    [Fact]
    public void ManifestFormatVersion_Should_GiveTheVersionFoundAndTheOneRead()
    {
        // Act
        var error = CacheErrors.ManifestFormatVersion("cache/manifest.json", 7);

        // Assert
        error.Message.Should().Be("cache/manifest.json: format_version 7, this Distill reads 1; rebuild the cache with this Distill");
    }
}
