using System.Text.Json;
using System.Text.Json.Serialization;

namespace OtpService.Core.Aws;

/// <summary>The one Secrets Manager call we need, GetSecretValue, over its JSON 1.1 protocol.</summary>
public sealed class SecretsManagerClient
{
    public const string SigningService = "secretsmanager";

    private const string Operation = "Secrets Manager GetSecretValue";

    private static readonly KeyValuePair<string, string>[] TargetHeader =
        [new("X-Amz-Target", "secretsmanager.GetSecretValue")];

    private readonly Uri endpoint;
    private readonly SignedAwsHttpClient client;

    public SecretsManagerClient(Uri endpoint, SignedAwsHttpClient client)
    {
        this.endpoint = new Uri(endpoint ?? throw new ArgumentNullException(nameof(endpoint)), "/");
        this.client = client ?? throw new ArgumentNullException(nameof(client));
    }

    /// <summary>Endpoint from AWS_ENDPOINT_URL_SECRETS_MANAGER, then AWS_ENDPOINT_URL, else the public one; default credentials.</summary>
    public static SecretsManagerClient FromEnvironment(Func<string, string?> environment) =>
        new(AwsEndpoints.SecretsManager(environment),
            new SignedAwsHttpClient(new AwsRequestSigner(SigningService, AwsEndpoints.Region(environment))));

    /// <summary>The secret's current SecretString.</summary>
    /// <exception cref="AwsCallException">The call failed.</exception>
    /// <exception cref="InvalidOperationException">The secret holds binary data, not a string.</exception>
    public async Task<string> GetSecretStringAsync(string secretId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(secretId);
        var body = JsonSerializer.SerializeToUtf8Bytes(new GetSecretValueRequest(secretId), AwsJsonContext.Default.GetSecretValueRequest);
        var answer = await client.PostAsync(Operation, endpoint, body, "application/x-amz-json-1.1", TargetHeader, cancellationToken)
            .ConfigureAwait(false);

        GetSecretValueResponse? secret;
        try
        {
            secret = JsonSerializer.Deserialize(answer, AwsJsonContext.Default.GetSecretValueResponse);
        }
        catch (JsonException exception)
        {
            // Say where it broke, not what the answer held: it is a secret.
            // Neither the answer nor the parser's message (it may quote a character) goes into the error: it is a secret.
            throw new AwsCallException(
                $"{Operation} returned a body that is not the documented JSON (at {exception.Path ?? "$"}).", retryable: false);
        }

        return secret?.SecretString
            ?? throw new InvalidOperationException($"Secret '{secretId}' has no SecretString (binary secrets are not supported).");
    }
}

internal sealed record GetSecretValueRequest(string SecretId);

/// <summary>The fields we read of GetSecretValue's answer; the rest (CreatedDate, VersionStages, ...) is skipped.</summary>
internal sealed class GetSecretValueResponse
{
    [JsonPropertyName("ARN")] public string? Arn { get; set; }

    public string? Name { get; set; }

    public string? VersionId { get; set; }

    public string? SecretString { get; set; }
}
