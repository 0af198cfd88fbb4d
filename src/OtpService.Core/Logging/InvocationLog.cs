using System.Buffers;
using System.Text;
using System.Text.Json;

namespace OtpService.Core.Logging;

/// <summary>
/// One JSON line per invocation on stdout (CloudWatch Logs in Lambda). It takes named fields
/// only, never an event or a request, so a code, nonce or key has no way in; addresses are masked.
/// </summary>
public sealed class InvocationLog(TextWriter output, string function)
{
    public void Write(string level, IEnumerable<KeyValuePair<string, object?>> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("time", DateTimeOffset.UtcNow);
            json.WriteString("level", level);
            json.WriteString("function", function);
            foreach (var (name, value) in fields)
            {
                switch (value)
                {
                    case null:
                        break;
                    case int number:
                        json.WriteNumber(name, number);
                        break;
                    case long number:
                        json.WriteNumber(name, number);
                        break;
                    case double number:
                        json.WriteNumber(name, Math.Round(number, 3));
                        break;
                    default:
                        json.WriteString(name, value.ToString());
                        break;
                }
            }

            json.WriteEndObject();
        }

        output.WriteLine(Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    /// <summary>"j***@example.com": enough to follow one user's requests, not enough to harvest addresses.</summary>
    public static string? MaskAddress(string? address)
    {
        if (string.IsNullOrWhiteSpace(address))
        {
            return null;
        }

        var trimmed = address.Trim().ToLowerInvariant();
        var at = trimmed.LastIndexOf('@');
        if (at <= 0 || at == trimmed.Length - 1)
        {
            return "***";
        }

        var domain = trimmed[(at + 1)..];
        return $"{trimmed[0]}***@{(domain.Length > 64 ? domain[..64] : domain)}";
    }
}
