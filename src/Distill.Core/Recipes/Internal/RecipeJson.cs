using System.Text.Json;
using System.Text.Json.Serialization;

namespace Distill.Recipes.Internal;

/// <summary>The resolved recipe as JSON (snake_case), saved beside a run's outputs: what actually ran.</summary>
internal static class RecipeJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string Serialize(Recipe recipe) => JsonSerializer.Serialize(recipe with { Lines = new Dictionary<string, int>() }, Options);
}
