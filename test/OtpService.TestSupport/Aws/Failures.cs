using OtpService.Core.Rules;

namespace OtpService.Tests.Support;

/// <summary>Dependency failures as the adapters throw them, for fakes that inject a fault a real part cannot produce on demand.</summary>
public static class Failures
{
    /// <summary>DynamoDB down, slow or throttling (the API answers 503).</summary>
    public static DependencyException StoreUnavailable(string message = "DynamoDB failed: HTTP 503 ServiceUnavailable.", string errorType = "ServiceUnavailable") =>
        new(Dependency.DynamoDB, FailureKind.Transient, errorType, message);

    /// <summary>DynamoDB refusing because the deployment is wrong (the API answers 500).</summary>
    public static DependencyException StoreConfiguration(string message = "DynamoDB was refused: HTTP 400 AccessDeniedException.", string errorType = "AccessDeniedException") =>
        new(Dependency.DynamoDB, FailureKind.Configuration, errorType, message);

    /// <summary>SES not taking a mail, of <paramref name="kind"/>.</summary>
    public static DependencyException Mail(string message, FailureKind kind, string errorType) => new(Dependency.SES, kind, errorType, message);

    /// <summary>Secrets Manager failing to give a key.</summary>
    public static DependencyException KeySource(string message, string errorType = "ServiceUnavailable", FailureKind kind = FailureKind.Transient) =>
        new(Dependency.SecretsManager, kind, errorType, message);

    /// <summary>KMS failing to sign.</summary>
    public static DependencyException Signing(string message, string errorType = "KMSInternalException", FailureKind kind = FailureKind.Transient) =>
        new(Dependency.KMS, kind, errorType, message);

    /// <summary>Asserts <paramref name="call"/> fails with a <see cref="DependencyException"/> of <paramref name="service"/> and <paramref name="kind"/>.</summary>
    public static async Task<DependencyException> ThrowsAsync(Dependency service, FailureKind kind, Func<Task> call)
    {
        var failure = await Xunit.Assert.ThrowsAsync<DependencyException>(call);
        Xunit.Assert.Equal((service, kind), (failure.Service, failure.Kind));
        return failure;
    }

    /// <inheritdoc cref="ThrowsAsync(Dependency, FailureKind, Func{Task})"/>
    public static DependencyException Throws(Dependency service, FailureKind kind, Action call)
    {
        var failure = Xunit.Assert.Throws<DependencyException>(call);
        Xunit.Assert.Equal((service, kind), (failure.Service, failure.Kind));
        return failure;
    }
}
