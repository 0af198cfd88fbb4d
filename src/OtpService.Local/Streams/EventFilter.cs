using System.Globalization;
using System.Text.Json;
using OtpService.Core.Lambda;

namespace OtpService.Local.Streams;

/// <summary>
/// Lambda event filtering for an event source mapping's <c>FilterCriteria</c>: a record is
/// delivered when it matches at least one pattern (patterns are ORed); no pattern delivers
/// everything. A pattern is a JSON object shaped like the record: every field it names must
/// match (AND); a list of rules matches when any rule does (OR); <c>$or</c> takes a list of
/// sub-patterns. Rules: a string, number, <c>true</c>/<c>false</c> or <c>null</c> (exact;
/// numbers compare as written: 300 is not 300.0), <c>prefix</c>, <c>suffix</c> (each also with
/// <c>equals-ignore-case</c>), <c>equals-ignore-case</c>, <c>anything-but</c> (a value, a list,
/// or a prefix/suffix/equals-ignore-case), <c>numeric</c> (one or two of = &lt; &lt;= &gt; &gt;=),
/// <c>exists</c>. A field that holds a list matches when any element does.
/// Source: https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html (Lambda uses
/// EventBridge's pattern syntax: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html).
/// </summary>
internal sealed class EventFilter
{
    private readonly List<JsonElement> patterns;

    /// <param name="patterns">Each filter's <c>Pattern</c> string, as in template.yaml.</param>
    /// <exception cref="InvalidOperationException">A pattern is not JSON or uses a rule Lambda does not know (Lambda refuses such a mapping).</exception>
    public EventFilter(IEnumerable<string> patterns)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        this.patterns = [];
        foreach (var text in patterns)
        {
            JsonElement pattern;
            try
            {
                using var doc = JsonDocument.Parse(text);
                pattern = doc.RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw new InvalidOperationException($"The filter pattern is not JSON: {text} ({e.Message})", e);
            }

            if (pattern.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidOperationException($"A filter pattern must be a JSON object: {text}");
            }

            CheckPattern(pattern, text);
            this.patterns.Add(pattern);
        }
    }

    /// <summary>How many patterns (0: every record passes).</summary>
    public int Count => patterns.Count;

    /// <summary>True when the record (as Lambda would send it) matches any pattern.</summary>
    public bool Matches(DynamoDbStreamRecord record)
    {
        if (patterns.Count == 0)
        {
            return true;
        }

        var json = JsonSerializer.SerializeToElement(record, LambdaJsonContext.Default.DynamoDbStreamRecord);
        return Matches(json);
    }

    /// <summary>True when the JSON event matches any pattern.</summary>
    public bool Matches(JsonElement record) => patterns.Count == 0 || patterns.Exists(p => MatchesPattern(p, record));

    private static bool MatchesPattern(JsonElement pattern, JsonElement? node)
    {
        foreach (var field in pattern.EnumerateObject())
        {
            if (field.Name == "$or")
            {
                if (!field.Value.EnumerateArray().Any(alternative => MatchesPattern(alternative, node)))
                {
                    return false;
                }

                continue;
            }

            JsonElement? value = node is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty(field.Name, out var v) ? v : null;
            var matched = field.Value.ValueKind == JsonValueKind.Object
                ? MatchesPattern(field.Value, value is { ValueKind: JsonValueKind.Object } ? value : null)
                : field.Value.EnumerateArray().Any(rule => MatchesRule(rule, value));
            if (!matched)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>One rule against a field's value (null: the field is missing).</summary>
    private static bool MatchesRule(JsonElement rule, JsonElement? value)
    {
        if (rule.ValueKind == JsonValueKind.Object)
        {
            var (op, argument) = Single(rule);
            if (op == "exists")
            {
                var exists = value is { } present && present.ValueKind != JsonValueKind.Object;
                return exists == argument.GetBoolean();
            }
        }

        if (value is not { } v || v.ValueKind == JsonValueKind.Object)
        {
            return false;
        }

        if (v.ValueKind == JsonValueKind.Array)
        {
            return v.EnumerateArray().Any(element => element.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array) && MatchesLeaf(rule, element));
        }

        return MatchesLeaf(rule, v);
    }

    private static bool MatchesLeaf(JsonElement rule, JsonElement value)
    {
        if (rule.ValueKind != JsonValueKind.Object)
        {
            return SameValue(rule, value);
        }

        var (op, argument) = Single(rule);
        return op switch
        {
            "prefix" => Text(value) is { } s && StringRule(argument, s, (a, b, c) => a.StartsWith(b, c)),
            "suffix" => Text(value) is { } s && StringRule(argument, s, (a, b, c) => a.EndsWith(b, c)),
            "equals-ignore-case" => Text(value) is { } s && string.Equals(s, argument.GetString(), StringComparison.OrdinalIgnoreCase),
            "numeric" => value.ValueKind == JsonValueKind.Number && Numeric(argument, value.GetDouble()),
            "anything-but" => !AnythingButExcludes(argument, value),
            _ => false,
        };
    }

    private static bool AnythingButExcludes(JsonElement argument, JsonElement value) => argument.ValueKind switch
    {
        JsonValueKind.Array => argument.EnumerateArray().Any(excluded => SameValue(excluded, value)),
        JsonValueKind.Object => MatchesLeaf(argument, value),
        _ => SameValue(argument, value),
    };

    /// <summary>A string rule's argument is the text, or <c>{"equals-ignore-case": text}</c>.</summary>
    private static bool StringRule(JsonElement argument, string value, Func<string, string, StringComparison, bool> test) =>
        argument.ValueKind == JsonValueKind.Object
            ? test(value, Single(argument).Argument.GetString()!, StringComparison.OrdinalIgnoreCase)
            : test(value, argument.GetString()!, StringComparison.Ordinal);

    private static bool Numeric(JsonElement comparisons, double value)
    {
        var items = comparisons.EnumerateArray().ToList();
        for (var i = 0; i + 1 < items.Count; i += 2)
        {
            var bound = items[i + 1].GetDouble();
            var ok = items[i].GetString() switch
            {
                "=" => value == bound,
                "<" => value < bound,
                "<=" => value <= bound,
                ">" => value > bound,
                ">=" => value >= bound,
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Exact match: same JSON type and, for numbers, the same text (Lambda compares numbers as written).</summary>
    private static bool SameValue(JsonElement rule, JsonElement value) => rule.ValueKind switch
    {
        JsonValueKind.String => value.ValueKind == JsonValueKind.String && string.Equals(rule.GetString(), value.GetString(), StringComparison.Ordinal),
        JsonValueKind.Number => value.ValueKind == JsonValueKind.Number && rule.GetRawText() == value.GetRawText(),
        JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null => value.ValueKind == rule.ValueKind,
        _ => false,
    };

    private static string? Text(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static (string Operator, JsonElement Argument) Single(JsonElement rule)
    {
        using var properties = rule.EnumerateObject();
        properties.MoveNext();
        return (properties.Current.Name, properties.Current.Value);
    }

    // Validation, once at load: what Lambda would refuse when the mapping is created.
    private static void CheckPattern(JsonElement pattern, string text)
    {
        foreach (var field in pattern.EnumerateObject())
        {
            switch (field.Value.ValueKind)
            {
                case JsonValueKind.Array when field.Name == "$or":
                    foreach (var alternative in field.Value.EnumerateArray())
                    {
                        if (alternative.ValueKind != JsonValueKind.Object)
                        {
                            throw Invalid(text, "$or takes a list of patterns");
                        }

                        CheckPattern(alternative, text);
                    }

                    break;
                case JsonValueKind.Array:
                    foreach (var rule in field.Value.EnumerateArray())
                    {
                        CheckRule(rule, text, field.Name);
                    }

                    break;
                case JsonValueKind.Object:
                    CheckPattern(field.Value, text);
                    break;
                default:
                    throw Invalid(text, $"'{field.Name}' must map to a list of rules or to a nested pattern");
            }
        }
    }

    private static void CheckRule(JsonElement rule, string text, string field)
    {
        if (rule.ValueKind is JsonValueKind.Array)
        {
            throw Invalid(text, $"a rule for '{field}' cannot be a list");
        }

        if (rule.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        if (rule.EnumerateObject().Count() != 1)
        {
            throw Invalid(text, $"a rule for '{field}' must have exactly one operator");
        }

        var (op, argument) = Single(rule);
        var ok = op switch
        {
            "exists" => argument.ValueKind is JsonValueKind.True or JsonValueKind.False,
            "prefix" or "suffix" => argument.ValueKind == JsonValueKind.String || IsIgnoreCase(argument),
            "equals-ignore-case" => argument.ValueKind == JsonValueKind.String,
            "numeric" => IsNumeric(argument),
            "anything-but" => argument.ValueKind switch
            {
                JsonValueKind.String or JsonValueKind.Number => true,
                JsonValueKind.Array => argument.EnumerateArray().All(a => a.ValueKind is JsonValueKind.String or JsonValueKind.Number),
                JsonValueKind.Object => argument.EnumerateObject().Count() == 1
                    && Single(argument) is var (inner, value)
                    && inner is "prefix" or "suffix" or "equals-ignore-case" && value.ValueKind == JsonValueKind.String,
                _ => false,
            },
            _ => throw Invalid(text, $"'{op}' is not a Lambda filter rule"),
        };
        if (!ok)
        {
            throw Invalid(text, $"'{op}' for '{field}' has an argument of the wrong shape");
        }
    }

    private static bool IsIgnoreCase(JsonElement argument) =>
        argument.ValueKind == JsonValueKind.Object && argument.EnumerateObject().Count() == 1
        && Single(argument) is ("equals-ignore-case", { ValueKind: JsonValueKind.String });

    private static bool IsNumeric(JsonElement argument)
    {
        if (argument.ValueKind != JsonValueKind.Array)
        {
            return false;
        }

        var items = argument.EnumerateArray().ToList();
        if (items.Count is not (2 or 4))
        {
            return false;
        }

        for (var i = 0; i < items.Count; i += 2)
        {
            if (items[i].GetString() is not ("=" or "<" or "<=" or ">" or ">=") || items[i + 1].ValueKind != JsonValueKind.Number)
            {
                return false;
            }
        }

        return true;
    }

    private static InvalidOperationException Invalid(string pattern, string why) =>
        new(string.Create(CultureInfo.InvariantCulture, $"Lambda would refuse this filter pattern ({why}): {pattern}"));
}
