using System.Security.Cryptography;
using System.Text.Json;
using OtpService.Core.Rules;

namespace OtpService.Core.Aws;

/// <summary>
/// The Secrets Manager calls we need over its JSON 1.1 protocol: GetSecretValue
/// (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html) and, for the
/// token-signing key's first version only, PutSecretValue
/// (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_PutSecretValue.html).
/// </summary>
public sealed class SecretsManagerClient
{
    public const string SigningService = "secretsmanager";

    private const string Operation = "Secrets Manager GetSecretValue";

    private const string PutOperation = "Secrets Manager PutSecretValue";

    private static readonly KeyValuePair<string, string>[] TargetHeader =
        [new("X-Amz-Target", "secretsmanager.GetSecretValue")];

    private static readonly KeyValuePair<string, string>[] PutTargetHeader =
        [new("X-Amz-Target", "secretsmanager.PutSecretValue")];

    private readonly Uri endpoint;
    private readonly SignedAwsHttpClient client;

    public SecretsManagerClient(Uri endpoint, SignedAwsHttpClient client)
    {
        this.endpoint = new Uri(endpoint ?? throw new ArgumentNullException(nameof(endpoint)), "/");
        this.client = client ?? throw new ArgumentNullException(nameof(client));
    }

    /// <summary>Endpoint from AWS_ENDPOINT_URL_SECRETS_MANAGER, then AWS_ENDPOINT_URL, else the public one (<see cref="AwsClientFactory"/>); default credentials.</summary>
    /// <param name="aws">The AWS settings read at init.</param>
    /// <param name="clock">Source of the signing time (the function's clock).</param>
    /// <param name="callTimeout">Deadline of one call; null: <see cref="SignedAwsHttpClient.DefaultTimeout"/>.</param>
    /// <exception cref="InvalidOperationException">A bad endpoint, or no region; the message names the variable.</exception>
    public static SecretsManagerClient For(AwsSettings aws, TimeProvider clock, TimeSpan? callTimeout = null)
    {
        var (endpoint, client) = AwsClientFactory.SigV4(aws, Dependency.SecretsManager, SigningService, clock, callTimeout);
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

    /// <summary>The AWSPENDING staging label: the next version of a rotation, not yet current.</summary>
    public const string PendingStage = "AWSPENDING";

    /// <summary>The error PutSecretValue answers when the ClientRequestToken is already the VersionId of a version with other data.</summary>
    public const string ResourceExists = "ResourceExistsException";

    /// <summary>
    /// The version of the secret that carries <paramref name="versionStage"/>, with its VersionId;
    /// null when no version carries that label (a secret never rotated has no AWSPREVIOUS:
    /// ResourceNotFoundException).
    /// </summary>
    /// <exception cref="DependencyException">The call failed (other than a missing label), or the secret holds binary data, not a string, or the answer has no VersionId.</exception>
    public Task<SecretVersion?> GetSecretVersionAsync(string secretId, string versionStage, CancellationToken cancellationToken) =>
        ReadVersionAsync(secretId, versionStage, currentMayBeMissing: false, cancellationToken);

    /// <summary>
    /// As <see cref="GetSecretVersionAsync"/>, but null also when no version carries AWSCURRENT: a secret
    /// created without a value (ResourceNotFoundException; a secret that does not exist answers the same).
    /// </summary>
    /// <exception cref="DependencyException">The call failed (other than a missing label), or the version is no string.</exception>
    public Task<SecretVersion?> FindSecretVersionAsync(string secretId, string versionStage, CancellationToken cancellationToken) =>
        ReadVersionAsync(secretId, versionStage, currentMayBeMissing: true, cancellationToken);

    /// <summary>
    /// Creates a version with <paramref name="clientRequestToken"/> as its VersionId and moves AWSCURRENT
    /// to it (and AWSPREVIOUS to the version that had AWSCURRENT). Idempotent for the same token and
    /// value; a token already used with another value fails with <see cref="ResourceExists"/>, so a fixed
    /// token makes the write create-only.
    /// </summary>
    /// <param name="secretId">The secret's ARN or name.</param>
    /// <param name="clientRequestToken">The new version's id, 32 to 64 characters.</param>
    /// <param name="secretString">The value. Never in an exception or a log.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="DependencyException">The call failed (<see cref="DependencyException.ErrorType"/> <see cref="ResourceExists"/>: the token is taken).</exception>
    public async Task PutSecretValueAsync(string secretId, string clientRequestToken, string secretString, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(secretId);
        ArgumentException.ThrowIfNullOrWhiteSpace(clientRequestToken);
        ArgumentException.ThrowIfNullOrEmpty(secretString);
        var body = JsonSerializer.SerializeToUtf8Bytes(
            new PutSecretValueRequest(secretId, clientRequestToken, secretString, [CurrentStage]), AwsJsonContext.Default.PutSecretValueRequest);
        try
        {
            _ = await client.PostAsync(PutOperation, endpoint, body, "application/x-amz-json-1.1", PutTargetHeader, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // The request held the private key.
            CryptographicOperations.ZeroMemory(body);
        }
    }

    private async Task<SecretVersion?> ReadVersionAsync(string secretId, string versionStage, bool currentMayBeMissing, CancellationToken cancellationToken)
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
        catch (DependencyException missing) when (missing.ErrorType == "ResourceNotFoundException" && (versionStage != CurrentStage || currentMayBeMissing))
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
        finally
        {
            CryptographicOperations.ZeroMemory(answer); // the answer's bytes held the secret; the string keeps it as long as the caller does
        }

        var text = secret?.SecretString
            ?? throw InvalidValue($"Secret '{secretId}' has no SecretString (binary secrets are not supported).");
        var versionId = secret.VersionId
            ?? throw InvalidValue($"Secret '{secretId}' was returned without a VersionId.");
        return new SecretVersion(versionId, text);
    }
}
