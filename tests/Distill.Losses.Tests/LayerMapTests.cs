namespace Distill.Losses.Tests;

public class LayerMapTests
{
    [Theory]
    [InlineData(4, 12, new[] { 2, 5, 8, 11 })]
    [InlineData(3, 3, new[] { 0, 1, 2 })]
    [InlineData(2, 6, new[] { 2, 5 })]
    [InlineData(3, 4, new[] { 0, 1, 3 })]
    [InlineData(1, 7, new[] { 6 })]
    public void Pairs_Should_FollowFloorRule_When_MapIsUniform(int studentLayers, int teacherLayers, int[] expectedTeacher)
    {
        // Act
        var pairs = LayerMap.Uniform.Pairs(studentLayers, teacherLayers);

        // Assert: student layer i takes ⌊(i+1)·N/M⌋ − 1.
        pairs.Should().Equal(expectedTeacher.Select((t, s) => (s, t)));
    }

    [Fact]
    public void Pairs_Should_DropStudentLayersWithoutATeacherLayer_When_TeacherIsShallower()
    {
        // Act: 4 student layers over 2 teacher layers: ⌊1·2/4⌋ − 1 = −1 has no teacher layer.
        var pairs = LayerMap.Uniform.Pairs(4, 2);

        // Assert
        pairs.Should().Equal((1, 0), (2, 0), (3, 1));
    }

    [Fact]
    public void Pairs_Should_PairLastLayersOnly_When_MapIsLast()
    {
        // Act + Assert
        LayerMap.Last.Pairs(3, 12).Should().Equal((2, 11));
        LayerMap.Last.Pairs(1, 1).Should().Equal((0, 0));
    }

    [Fact]
    public void Pairs_Should_ReturnTheGivenPairs_When_MapIsExplicit()
    {
        // Act + Assert
        LayerMap.Explicit(2, 5, 8, 11).Pairs(4, 12).Should().Equal((0, 2), (1, 5), (2, 8), (3, 11));
        LayerMap.Explicit([(3, 0), (1, 4)]).Pairs(4, 5).Should().Equal((3, 0), (1, 4));
    }

    [Fact]
    public void Pairs_Should_NameTheLayer_When_ExplicitLayerDoesNotExist()
    {
        // Arrange
        var map = LayerMap.Explicit(2, 12);

        // Act
        var teacherTooDeep = () => map.Pairs(2, 12);
        var studentTooDeep = () => LayerMap.Explicit([(4, 1)]).Pairs(4, 12);

        // Assert
        teacherTooDeep.Should().Throw<ArgumentException>()
            .WithMessage("layer map [0→2, 1→12]: teacher layer 12 does not exist (the teacher has layers 0..11)");
        studentTooDeep.Should().Throw<ArgumentException>()
            .WithMessage("layer map [4→1]: student layer 4 does not exist (the student has layers 0..3)");
    }

    [Fact]
    public void Explicit_Should_Throw_When_PairsAreEmptyOrRepeated()
    {
        // Act
        var empty = () => LayerMap.Explicit();
        var repeated = () => LayerMap.Explicit([(0, 1), (0, 2)]);

        // Assert
        empty.Should().Throw<ArgumentException>().WithMessage("layer map: an explicit map needs at least one (student, teacher) pair*");
        repeated.Should().Throw<ArgumentException>().WithMessage("layer map: student layer 0 is mapped more than once*");
    }

    [Fact]
    public void Pairs_Should_Throw_When_ASideHasNoLayers()
    {
        // Act
        var act = () => LayerMap.Uniform.Pairs(0, 12);

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("layer map: needs at least one layer on each side (student 0, teacher 12)");
    }

    [Fact]
    public void ToString_Should_NameKindOrPairs_When_Printed()
    {
        // Act + Assert
        LayerMap.Uniform.ToString().Should().Be("uniform");
        LayerMap.Last.ToString().Should().Be("last");
        LayerMap.Explicit(2, 5).ToString().Should().Be("[0→2, 1→5]");
    }
}
