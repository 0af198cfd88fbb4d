namespace OtpService.Local.Commands;

/// <summary>
/// Existing endpoints to use instead of starting an emulator, per service (null: start one, or for
/// KMS and Secrets Manager, which the runner never starts, leave the functions' local defaults).
/// </summary>
internal sealed record ServiceEndpoints
{
    public Uri? DynamoDb { get; init; }

    public Uri? Ses { get; init; }

    public Uri? Kms { get; init; }

    public Uri? SecretsManager { get; init; }
}
