using System.Net;
using System.Text.Json;
using Amazon.Runtime;
using OtpService.Core.Rules;

namespace OtpService.Core.Aws;

/// <summary>
/// The one place that decides what a failed AWS call means (<see cref="FailureKind"/>), for every
/// service the functions call: a table per service (error type to kind, from the service's API
/// reference; README "Why requests fail" and "Why mail fails" list them with their sources), the
/// codes botocore's standard retry mode retries, and one rule for everything else: HTTP 429, 5xx
/// and no answer at all are <see cref="FailureKind.Transient"/>, every other 4xx is
/// <see cref="FailureKind.Configuration"/> (an operator must look; never a silent drop). Only SES
/// has <see cref="FailureKind.Undeliverable"/>, for a refusal about this one message.
/// </summary>
public static class AwsFailureClassifier
{
    /// <summary>The error type of a call that got no answer in time.</summary>
    public const string Timeout = "Timeout";

    /// <summary>The error type of a call that could not reach the service (refused, reset, DNS).</summary>
    public const string ConnectionFailure = "ConnectionFailure";

    /// <summary>The error type of a call that could not be signed: the SDK's credential chain found nothing (no role, no variables).</summary>
    public const string NoCredentials = "NoCredentials";

    /// <summary>The error type of a secret whose value is no key (binary, too short, without a VersionId).</summary>
    public const string InvalidSecretValue = "InvalidSecretValue";

    /// <summary>The error type of a 2xx answer whose body is not the API's documented JSON.</summary>
    public const string InvalidResponse = "InvalidResponse";

    /// <summary>
    /// Codes botocore's standard retry mode retries whatever the status: its throttling list and its
    /// transient list (botocore/retries/standard.py, _THROTTLED_ERROR_CODES and _TRANSIENT_ERROR_CODES, botocore 1.43).
    /// </summary>
    public static readonly IReadOnlySet<string> RetryableErrors = new HashSet<string>(StringComparer.Ordinal)
    {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException", "TransactionInProgressException",
        "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled",
        "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException",
        "RequestTimeout", "RequestTimeoutException",
        Timeout, ConnectionFailure,
    };

    /// <summary>
    /// DynamoDB (and DynamoDB Streams): the errors its developer guide documents as the caller's or the
    /// deployment's fault (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, FailureKind> DynamoDbErrors = Table(
        configuration:
        [
            "ResourceNotFoundException", "AccessDeniedException", "ValidationException", "UnrecognizedClientException",
            "InvalidSignatureException", "MissingAuthenticationTokenException", "IncompleteSignatureException",
            "ExpiredTokenException", "InvalidClientTokenId", "SerializationException", "ItemCollectionSizeLimitExceededException",
            NoCredentials,
        ]);

    /// <summary>
    /// KMS (Sign at verify time, GetPublicKey at init): its retryable errors (HTTP 500 or "you can retry
    /// the request") and the errors that mean the key or the deployment is wrong (missing, disabled or
    /// pending-deletion key, a key of the wrong usage, access denied, bad credentials). Sources:
    /// https://docs.aws.amazon.com/kms/latest/APIReference/API_Sign.html#API_Sign_Errors,
    /// https://docs.aws.amazon.com/kms/latest/APIReference/API_GetPublicKey.html#API_GetPublicKey_Errors and
    /// https://docs.aws.amazon.com/kms/latest/APIReference/CommonErrors.html.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, FailureKind> KmsErrors = Table(
        transient: ["KeyUnavailableException", "DependencyTimeoutException", "KMSInternalException"],
        configuration:
        [
            "NotFoundException", "DisabledException", "KMSInvalidStateException", "InvalidKeyUsageException",
            "InvalidGrantTokenException", "ValidationException", "AccessDeniedException", "UnrecognizedClientException",
            "InvalidSignatureException", "IncompleteSignatureException", "MissingAuthenticationTokenException",
            "ExpiredTokenException", "InvalidClientTokenId", "OptInRequired", "UnsupportedOperationException",
            "InvalidKeyUsage", NoCredentials,
        ]);

    /// <summary>
    /// SES v2 SendEmail (https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html and
    /// https://docs.aws.amazon.com/ses/latest/APIReference-V2/CommonErrors.html). <c>MessageRejected</c> and
    /// the bad-request errors depend on the service's message too (<see cref="Classify"/>): a rejection or a
    /// refused address is <see cref="FailureKind.Undeliverable"/>, an unverified identity (the sender or, in the
    /// sandbox, the recipient: https://docs.aws.amazon.com/ses/latest/dg/request-production-access.html) and any
    /// other bad request is <see cref="FailureKind.Configuration"/>.
    /// </summary>
    /// <remarks>
    /// An address on the account-level suppression list gets no error: "SES accepts the message, but doesn't
    /// send it", and does not count it toward the bounce or complaint rate
    /// (https://docs.aws.amazon.com/ses/latest/dg/sending-email-suppression-list.html); only a later bounce
    /// event (bounceSubType OnAccountSuppressionList) tells. SES's former synchronous refusal of such an
    /// address, <c>MessageRejected</c> "Address blacklisted." (retired in 2013 for today's answer:
    /// https://aws.amazon.com/blogs/messaging-and-targeting/goodbye-blacklist-introducing-the-suppression-list),
    /// is still <see cref="FailureKind.Undeliverable"/> with its own <see cref="Reason"/>, for an endpoint that answers so.
    /// </remarks>
    public static readonly IReadOnlyDictionary<string, FailureKind> SesErrors = Table(
        undeliverable: ["MessageRejected"],
        configuration:
        [
            "AccountSuspendedException", "SendingPausedException", "MailFromDomainNotVerifiedException", "NotFoundException",
            "AccessDeniedException", "AccessDenied", "InvalidClientTokenId", "UnrecognizedClientException",
            "SignatureDoesNotMatch", "InvalidSignatureException", "IncompleteSignature", "IncompleteSignatureException",
            "MissingAuthenticationToken", "MissingAuthenticationTokenException", "ExpiredToken", "ExpiredTokenException",
            "RequestExpired", "InvalidAccessKeyId", "AuthFailure", "OptInRequired", "NotAuthorized",
            "BadRequestException", "InvalidParameterValue", "ValidationException", NoCredentials,
        ]);

    /// <summary>
    /// Secrets Manager GetSecretValue (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html#API_GetSecretValue_Errors
    /// and https://docs.aws.amazon.com/secretsmanager/latest/apireference/CommonErrors.html): a missing secret or
    /// version, a secret scheduled for deletion, a KMS key that cannot decrypt it, access denied, bad credentials,
    /// or a value that is no key.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, FailureKind> SecretsManagerErrors = Table(
        transient: ["InternalServiceError"],
        configuration:
        [
            "ResourceNotFoundException", "InvalidRequestException", "InvalidParameterException", "DecryptionFailure",
            "AccessDeniedException", "UnrecognizedClientException", "InvalidClientTokenId", "InvalidSignatureException",
            "IncompleteSignature", "MissingAuthenticationToken", "ExpiredTokenException", "ExpiredToken",
            "NotAuthorized", "OptInRequired", InvalidSecretValue, InvalidResponse, NoCredentials,
        ]);

    /// <summary>The table of <paramref name="service"/>.</summary>
    public static IReadOnlyDictionary<string, FailureKind> TableOf(Dependency service) => service switch
    {
        Dependency.DynamoDB or Dependency.DynamoDBStreams => DynamoDbErrors,
        Dependency.KMS => KmsErrors,
        Dependency.SES => SesErrors,
        Dependency.SecretsManager => SecretsManagerErrors,
        _ => throw new ArgumentOutOfRangeException(nameof(service), service, "No error table for this service."),
    };

    /// <summary>What a failed call to <paramref name="service"/> means.</summary>
    /// <param name="service">The service called.</param>
    /// <param name="status">The answer's HTTP status; null (or 0) when no answer came back.</param>
    /// <param name="errorType">The error code without namespace, or <see cref="Timeout"/>, <see cref="ConnectionFailure"/>, <see cref="NoCredentials"/>.</param>
    /// <param name="serviceMessage">The service's own message: read here to tell SES's refusals apart, never logged.</param>
    public static FailureKind Classify(Dependency service, int? status, string? errorType, string? serviceMessage = null)
    {
        var text = serviceMessage ?? "";
        if (errorType is not null && RetryableErrors.Contains(errorType))
        {
            // A daily quota is not lifted by the stream's retries within minutes: the account needs a higher quota.
            return service == Dependency.SES && IsDailyQuota(text) ? FailureKind.Configuration : FailureKind.Transient;
        }

        if (errorType is not null && TableOf(service).TryGetValue(errorType, out var kind))
        {
            return service == Dependency.SES ? SesMessageRule(errorType, text, kind) : kind;
        }

        return status switch
        {
            null or 0 or 429 or >= 500 => FailureKind.Transient,
            _ => FailureKind.Configuration,
        };
    }

    /// <summary>A short reason to log with the error type; never the service's message itself (it may quote the address).</summary>
    public static string? Reason(Dependency service, string? errorType, string? serviceMessage)
    {
        var text = serviceMessage ?? "";
        return service != Dependency.SES ? null : errorType switch
        {
            "MessageRejected" when IsNotVerified(text) =>
                "an identity is not verified in this region (the sender, or in the SES sandbox the recipient)",
            "MessageRejected" when IsSuppressed(text) => "the recipient is on a suppression list (it bounced or complained before)",
            _ when IsDailyQuota(text) => "the account's daily sending quota is used up",
            { } type when IsBadRequest(type) && IsAboutTheAddress(text) => "SES refused the recipient address",
            _ => null,
        };
    }

    /// <summary>
    /// The failure an AWSSDK client's exception stands for, or null when it is none of the service's
    /// (the caller's own cancellation, a programming error): a service answer, no credentials, or a
    /// client-side failure with no answer (timeout, refused or reset connection, I/O error).
    /// </summary>
    /// <param name="service">The service called.</param>
    /// <param name="operation">Names the call in the message, e.g. "KMS Sign".</param>
    /// <param name="failure">What the SDK threw.</param>
    public static DependencyException? FromSdk(Dependency service, string operation, Exception failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        if (failure is AmazonServiceException answer)
        {
            var status = (int)answer.StatusCode;
            var type = string.IsNullOrEmpty(answer.ErrorCode) ? (status == 0 ? InvalidResponse : ((HttpStatusCode)status).ToString()) : answer.ErrorCode;
            return Failure(service, operation, status == 0 ? null : status, type, serviceMessage: null, failure);
        }

        if (IsNoCredentials(failure))
        {
            return new DependencyException(service, FailureKind.Configuration, NoCredentials, $"{operation} could not be called: no AWS credentials could be resolved.", failure);
        }

        if (failure is AmazonClientException or HttpRequestException or IOException or TimeoutException
            or OperationCanceledException { InnerException: TimeoutException })
        {
            var type = failure switch
            {
                TimeoutException or OperationCanceledException { InnerException: TimeoutException } => Timeout,
                HttpRequestException => ConnectionFailure,
                _ => failure.GetType().Name,
            };
            return new DependencyException(service, FailureKind.Transient, type, $"{operation} could not be completed: {type}.", failure);
        }

        return null;
    }

    /// <summary>The failure an error answer stands for: its error code as the SDKs read it (<see cref="ErrorTypeOf"/>), classified.</summary>
    /// <param name="service">The service called.</param>
    /// <param name="operation">Names the call in the message, e.g. "SES v2 SendEmail".</param>
    /// <param name="response">The non-2xx answer.</param>
    /// <param name="body">Its body.</param>
    public static DependencyException FromAnswer(Dependency service, string operation, HttpResponseMessage response, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(response);
        var error = ErrorBody(body);
        var type = ErrorTypeOf(response, error?.Type);
        var requestId = response.Headers.TryGetValues("x-amzn-RequestId", out var ids) ? ids.FirstOrDefault() : null;
        return Failure(service, operation, (int)response.StatusCode, type ?? response.StatusCode.ToString(), error?.Message, null, requestId, typeKnown: type is not null);
    }

    /// <summary>
    /// The error code as the SDKs find it: the <c>x-amzn-ErrorType</c> header (REST-JSON), else the body's
    /// <c>__type</c> (JSON 1.1) or <c>code</c>; with any <c>namespace#</c> prefix and <c>:url</c> suffix removed.
    /// </summary>
    private static string? ErrorTypeOf(HttpResponseMessage response, string? bodyType)
    {
        var raw = response.Headers.TryGetValues("x-amzn-ErrorType", out var values) ? values.FirstOrDefault() : null;
        raw ??= bodyType;
        if (string.IsNullOrWhiteSpace(raw))
        {
            return null;
        }

        var name = raw.Split(':', 2)[0];
        return name[(name.LastIndexOf('#') + 1)..].Trim();
    }

    // AWS's own error message is left out of the failure's message on purpose: it may quote what we sent.
    private static DependencyException Failure(Dependency service, string operation, int? status, string type, string? serviceMessage, Exception? inner, string? requestId = null, bool typeKnown = true)
    {
        var kind = Classify(service, status, typeKnown ? type : null, serviceMessage);
        var reason = Reason(service, type, serviceMessage);
        var verb = kind == FailureKind.Transient ? "failed" : "was refused";
        var message = $"{operation} {verb}: " + (status is null ? "" : $"HTTP {status} ") + type + (requestId is null ? "." : $" (request id {requestId}).")
            + (reason is null ? "" : $" {char.ToUpperInvariant(reason[0])}{reason[1..]}.");
        return new DependencyException(service, kind, type, message, inner, status);
    }

    private static FailureKind SesMessageRule(string errorType, string text, FailureKind tableKind) => errorType switch
    {
        // "Email address is not verified. The following identities failed the check in region ...": any other rejection refuses this message itself.
        "MessageRejected" => IsNotVerified(text) ? FailureKind.Configuration : FailureKind.Undeliverable,
        _ when IsBadRequest(errorType) => IsAboutTheAddress(text) ? FailureKind.Undeliverable : FailureKind.Configuration,
        _ => tableKind,
    };

    private static bool IsBadRequest(string errorType) => errorType is "BadRequestException" or "InvalidParameterValue" or "ValidationException";

    private static bool IsNotVerified(string text) => text.Contains("not verified", StringComparison.OrdinalIgnoreCase);

    private static bool IsSuppressed(string text) =>
        text.Contains("blacklist", StringComparison.OrdinalIgnoreCase) || text.Contains("suppress", StringComparison.OrdinalIgnoreCase);

    private static bool IsDailyQuota(string text) => text.Contains("quota", StringComparison.OrdinalIgnoreCase);

    // Real answers: "Illegal address", "Invalid email address .", moto's "Missing domain".
    private static bool IsAboutTheAddress(string text) =>
        text.Contains("address", StringComparison.OrdinalIgnoreCase) || text.Contains("domain", StringComparison.OrdinalIgnoreCase);

    /// <summary>The SDK's credential chain found nothing (no role, no variables): the deployment is wrong.</summary>
    private static bool IsNoCredentials(Exception failure) =>
        failure is AmazonClientException
        && failure.Message.StartsWith("Failed to resolve AWS credentials", StringComparison.Ordinal);

    private static AwsErrorBody? ErrorBody(ReadOnlySpan<byte> body)
    {
        try
        {
            var error = JsonSerializer.Deserialize(body, AwsJsonContext.Default.AwsErrorBody);
            return error is null ? null : new AwsErrorBody { Type = error.Type ?? error.Code, Message = error.Message };
        }
        catch (JsonException)
        {
            // Not JSON (a proxy's HTML page, an emulator's XML): the status alone must do.
            return null;
        }
    }

    private static Dictionary<string, FailureKind> Table(string[]? transient = null, string[]? undeliverable = null, string[]? configuration = null)
    {
        var table = new Dictionary<string, FailureKind>(StringComparer.Ordinal);
        foreach (var (codes, kind) in new[] { (transient, FailureKind.Transient), (undeliverable, FailureKind.Undeliverable), (configuration, FailureKind.Configuration) })
        {
            foreach (var code in codes ?? [])
            {
                table.Add(code, kind);
            }
        }

        return table;
    }
}
