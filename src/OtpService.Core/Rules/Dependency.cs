namespace OtpService.Core.Rules;

/// <summary>The services the functions depend on, named as a <see cref="DependencyException"/> reports them.</summary>
public enum Dependency
{
    /// <summary>Amazon DynamoDB: the table (the store).</summary>
    DynamoDB,

    /// <summary>DynamoDB Streams: read by the local runner's stand-in for the event source mapping.</summary>
    DynamoDBStreams,

    /// <summary>AWS KMS: the token signing key (Sign, GetPublicKey).</summary>
    KMS,

    /// <summary>Amazon SES v2: the mail (SendEmail).</summary>
    SES,

    /// <summary>AWS Secrets Manager: the HMAC keys (GetSecretValue).</summary>
    SecretsManager,
}
