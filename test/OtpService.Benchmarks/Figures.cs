using System.Text;
using System.Text.Json;

namespace OtpService.Benchmarks;

/// <summary>One result line: {"figure","value","unit","seed","ratio"}; ratio = value / seed.</summary>
internal sealed record Figure(string Name, double Value, string Unit, double? Seed = null)
{
    /// <summary>The attacker model of an abuse-simulation figure ("model" in the JSON line), or null.</summary>
    public string? Model { get; init; }

    /// <summary>Which storage path a storage figure measured ("path" in the JSON line: "transaction" or "two_writes"), or null.</summary>
    public string? Path { get; init; }

    public double? Ratio => Seed is > 0 ? Value / Seed.Value : null;

    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("figure", Name);
            if (Model is not null)
            {
                json.WriteString("model", Model);
            }

            if (Path is not null)
            {
                json.WriteString("path", Path);
            }

            json.WriteNumber("value", Value is > 0 and < 0.001 ? double.Parse(Value.ToString("G3", System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture) : Math.Round(Value, 3));
            json.WriteString("unit", Unit);
            WriteNumberOrNull(json, "seed", Seed is { } s ? Math.Round(s, 3) : null);
            WriteNumberOrNull(json, "ratio", Ratio is { } r ? Math.Round(r, 3) : null);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteNumberOrNull(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } v)
        {
            json.WriteNumber(name, v);
        }
        else
        {
            json.WriteNull(name);
        }
    }
}

/// <summary>Results on stdout (and nothing else there); progress and skips on stderr.</summary>
internal static class Report
{
    private static readonly TextWriter Results = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true };

    public static void Emit(Figure figure) => Results.WriteLine(figure.ToJson());

    public static void Progress(string message) => Console.Error.WriteLine($"[bench] {message}");

    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
