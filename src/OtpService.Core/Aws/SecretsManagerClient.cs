using System.Text.Json;
using OtpService.Core.Rules;

namespace OtpService.Core.Aws;

/// <summary>
/// The one Secrets Manager call we need, GetSecretValue, over its JSON 1.1 protocol
/// (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html).
/// </summary>
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

    /// <summary>Endpoint from AWS_ENDPOINT_URL_SECRETS_MANAGER, then AWS_ENDPOINT_URL, else the public one (<see cref="AwsClientFactory"/>); default credentials.</summary>
    /// <param name="aws">The AWS settings read at init.</param>
    /// <param name="callTimeout">Deadline of one call; null: <see cref="SignedAwsHttpClient.DefaultTimeout"/>.</param>
    /// <exception cref="InvalidOperationException">A bad endpoint, or no region; the message names the variable.</exception>
    public static SecretsManagerClient For(AwsSettings aws, TimeSpan? callTimeout = null)
    {
        var (endpoint, client) = AwsClientFactory.SigV4(aws, Dependency.SecretsManager, SigningService, callTimeout);
        return new(endpoint, client);
    }

    /// <summary>The secret's current SecretString.</summary>
    /// <exception cref="DependencyException">The call failed, or the secret holds binary data, not a string.</exception>
    public async Task<string> GetSecretStringAsync(string secretId, CancellationToken cancellationToken) =>
        (await GetSecretVersionAsync(secretId, CurrentStage, cancellationToken).ConfigureAwait(false))!.SecretString;

    /// <summary>A secret whose value is no key (binary, too short, without a VersionId): the deployment is wrong.</summary>
    public static DependencyException InvalidValue(string message) =>
        new(Dependency.SecretsManager, FailureKind.Configuration, AwsFailureClassifier.InvalidSecretValue, message);

    /// <summary>The AWSCURRENT staging label: the version in use.</summary>
    public const string CurrentStage = "AWSCURRENT";

    /// <summary>The AWSPREVIOUS staging label: the version that was current before the last rotation.</summary>
    public const string PreviousStage = "AWSPREVIOUS";

    /// <summary>
    /// The version of the secret that carries <paramref name="versionStage"/>, with its VersionId;
    /// null when no version carries that label (a secret never rotated has no AWSPREVIOUS:
    /// ResourceNotFoundException).
    /// </summary>
    /// <exception cref="DependencyException">The call failed (other than a missing label), or the secret holds binary data, not a string, or the answer has no VersionId.</exception>
    public async Task<SecretVersion?> GetSecretVersionAsync(string secretId, string versionStage, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(secretId);
        ArgumentException.ThrowIfNullOrWhiteSpace(versionStage);
        var body = JsonSerializer.SerializeToUtf8Bytes(new GetSecretValueRequest(secretId, versionStage), AwsJsonContext.Default.GetSecretValueRequest);
        byte[] answer;
        try
        {
            answer = await client.PostAsync(Operation, endpoint, body, "application/x-amz-json-1.1", TargetHeader, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (DependencyException missing) when (missing.ErrorType == "ResourceNotFoundException" && versionStage != CurrentStage)
        {
            return null;
        }

        GetSecretValueResponse? secret;
        try
        {
            secret = JsonSerializer.Deserialize(answer, AwsJsonContext.Default.GetSecretValueResponse);
        }
        catch (JsonException exception)
        {
            // Say where it broke, not what the answer held: it is a secret.
            // Neither the answer nor the parser's message (it may quote a character) goes into the error: it is a secret.
            throw new DependencyException(
                Dependency.SecretsManager, FailureKind.Configuration, AwsFailureClassifier.InvalidResponse,
                $"{Operation} returned a body that is not the documented JSON (at {exception.Path ?? "$"}).");
        }

        var text = secret?.SecretString
            ?? throw InvalidValue($"Secret '{secretId}' has no SecretString (binary secrets are not supported).");
        var versionId = secret.VersionId
            ?? throw InvalidValue($"Secret '{secretId}' was returned without a VersionId.");
        return new SecretVersion(versionId, text);
    }
}
