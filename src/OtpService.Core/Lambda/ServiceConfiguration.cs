using System.Globalization;
using OtpService.Core.Aws;
using OtpService.Core.Rules;
using OtpService.Core.Tokens;

namespace OtpService.Core.Lambda;

/// <summary>
/// Everything a function reads from its environment, read once at init by <see cref="Read"/> (the one
/// place that reads <c>OTP_*</c> and <c>AWS_*</c> variables; nothing below the Lambda layer sees the
/// environment). Names, defaults and ranges: README's configuration table. A value out of range stops
/// init with a message naming the variable, never later inside a request; whether a key is configured
/// is judged by the function that needs it (<see cref="SecretKeyLoader"/>, <see cref="TokenSigningKeyLoader"/>).
/// </summary>
/// <param name="Otp">The rules' tunables.</param>
/// <param name="Tokens">The token's configurable claims.</param>
/// <param name="Keys">Where every key is configured.</param>
/// <param name="Aws">Region and endpoints.</param>
/// <param name="Budget">The per-invocation budget and the client timeouts, from OTP_FUNCTION_TIMEOUT_SECONDS and OTP_AWS_TIMEOUT_CAP_SECONDS: built here, once.</param>
/// <param name="FunctionName">AWS_LAMBDA_FUNCTION_NAME: set in Lambda only (the log lines carry it; development keys are refused when it is set).</param>
public sealed record ServiceConfiguration(OtpSettings Otp, TokenSettings Tokens, KeySources Keys, AwsSettings Aws, InvocationBudget Budget, string? FunctionName)
{
    /// <summary>True in Lambda (<see cref="FunctionName"/> is set).</summary>
    public bool InLambda => FunctionName is not null;

    /// <summary>The process environment, read once.</summary>
    /// <exception cref="InvalidOperationException">A value is out of range; the message names the variable.</exception>
    public static ServiceConfiguration FromEnvironment() => Read(ProcessEnvironment);

    /// <summary>
    /// The one reader of the process environment (Architecture/EnvironmentReaderTests: nothing else in
    /// the product calls Environment.GetEnvironmentVariable): <see cref="FromEnvironment"/>, and the
    /// start-up variables <see cref="LambdaHost"/> needs before any configuration exists (the Runtime API's address, the init type, _HANDLER).
    /// </summary>
    public static Func<string, string?> ProcessEnvironment { get; } = Environment.GetEnvironmentVariable;

    /// <summary>Reads every variable through <paramref name="variable"/> (the process environment, or the local runner's per-function map).</summary>
    /// <param name="variable">The value of one variable, or null when it is unset.</param>
    /// <exception cref="InvalidOperationException">A value is out of range; the message names the variable.</exception>
    public static ServiceConfiguration Read(Func<string, string?> variable)
    {
        ArgumentNullException.ThrowIfNull(variable);
        var otp = ReadOtpSettings(variable);
        var functionName = Text(variable, DevelopmentKeys.LambdaFunctionNameVariable);
        return new ServiceConfiguration(
            otp,
            ReadTokenSettings(variable),
            new KeySources(
                Hmac(variable, HmacKey.Signing),
                Hmac(variable, HmacKey.Client),
                Hmac(variable, HmacKey.Subject),
                new TokenKeySource(
                    Text(variable, TokenSigningKeyLoader.KmsKeyVariable),
                    Text(variable, TokenSigningKeyLoader.RotationKeyVariable),
                    Text(variable, TokenSigningKeyLoader.LocalKeyVariable),
                    Text(variable, TokenSigningKeyLoader.SecretArnVariable)),
                InLambda: functionName is not null),
            ReadAwsSettings(variable),
            InvocationBudget.For(otp),
            functionName);
    }

    /// <summary>The AWS variables alone (<see cref="Read"/> reads them with the rest).</summary>
    public static AwsSettings ReadAwsSettings(Func<string, string?> variable)
    {
        ArgumentNullException.ThrowIfNull(variable);
        return new AwsSettings
        {
            Region = Text(variable, AwsSettings.RegionVariable) ?? Text(variable, AwsSettings.DefaultRegionVariable),
            GlobalEndpoint = Text(variable, AwsSettings.GlobalEndpointVariable),
            DynamoDbEndpoint = Text(variable, AwsSettings.DynamoDbEndpointVariable),
            DynamoDbStreamsEndpoint = Text(variable, AwsSettings.DynamoDbStreamsEndpointVariable),
            KmsEndpoint = Text(variable, AwsSettings.KmsEndpointVariable),
            SesV2Endpoint = Text(variable, AwsSettings.SesV2EndpointVariable),
            SecretsManagerEndpoint = Text(variable, AwsSettings.SecretsManagerEndpointVariable),
            SesConfigurationSet = Text(variable, AwsSettings.SesConfigurationSetVariable),
            IgnoreConfiguredEndpoints = string.Equals(Text(variable, AwsSettings.IgnoreConfiguredEndpointsVariable), "true", StringComparison.OrdinalIgnoreCase),
        };
    }

    private static HmacKeySource Hmac(Func<string, string?> variable, HmacKey key) =>
        new(key, Text(variable, key.SecretArnVariable), Text(variable, key.LocalKeyVariable));

    private static OtpSettings ReadOtpSettings(Func<string, string?> read)
    {
        var defaults = new OtpSettings();
        var codeLength = Number(read, "OTP_LENGTH", defaults.CodeLength, 6, 10);
        var maxAttempts = Number(read, "OTP_MAX_ATTEMPTS", defaults.MaxAttempts, 1, 100);
        var maxSendsPerHour = Number(read, "OTP_MAX_SENDS_PER_HOUR", defaults.MaxSendsPerHour, 1, 1000);
        var clientMaxRequests = Number(read, "OTP_CLIENT_MAX_REQUESTS_PER_HOUR", defaults.ClientMaxRequestsPerHour, 1, WindowCapacity.MaxTokens, WindowItemReason);
        var clientMaxAddresses = Number(read, "OTP_CLIENT_MAX_ADDRESSES_PER_HOUR", defaults.ClientMaxAddressesPerHour, 1, 1000);
        var clientMaxFailures = Number(read, "OTP_CLIENT_MAX_FAILURES_PER_HOUR", defaults.ClientMaxFailuresPerHour, 1, WindowCapacity.MaxTokens, WindowItemReason);
        if (WindowCapacity.ClientWindowProblem(clientMaxRequests, clientMaxFailures, clientMaxAddresses) is { } tooBig)
        {
            throw new InvalidOperationException(tooBig);
        }

        var settings = new OtpSettings
        {
            TableName = Text(read, "OTP_TABLE_NAME") ?? defaults.TableName,
            TtlSeconds = Number(read, "OTP_TTL_SECONDS", defaults.TtlSeconds, 10, 86_400),
            CodeLength = codeLength,
            MaxAttempts = maxAttempts,
            MaxAttemptsAllClients = Number(read, "OTP_MAX_ATTEMPTS_ALL_CLIENTS", Math.Max(defaults.MaxAttemptsAllClients, maxAttempts), maxAttempts, 1000),
            ResendCooldownSeconds = Number(read, "OTP_RESEND_COOLDOWN_SECONDS", defaults.ResendCooldownSeconds, 0, 3600),
            MaxSendsPerHour = maxSendsPerHour,
            FailuresBeforeLongCodes = Number(read, "OTP_FAILURES_BEFORE_LONG_CODES", defaults.FailuresBeforeLongCodes, 1, 100_000),
            FailureForgiveSeconds = Number(read, "OTP_FAILURE_FORGIVE_SECONDS", defaults.FailureForgiveSeconds, 60, 31_536_000),
            LongCodeLength = Number(read, "OTP_LENGTH_UNDER_ATTACK", Math.Max(defaults.LongCodeLength, codeLength), codeLength, 10),
            ClientMaxRequestsPerHour = clientMaxRequests,
            ClientMaxAddressesPerHour = clientMaxAddresses,
            ClientMaxFailuresPerHour = clientMaxFailures,
            // The default stays below the address's bucket when that is set lower (one less, at least one).
            ClientMaxSendsPerAddressPerHour = Number(
                read, "OTP_CLIENT_MAX_SENDS_PER_ADDRESS_PER_HOUR", Math.Clamp(maxSendsPerHour - 1, 1, defaults.ClientMaxSendsPerAddressPerHour), 1, maxSendsPerHour),
            MaxSendsPerMinute = Number(read, "OTP_MAX_SENDS_PER_MINUTE", defaults.MaxSendsPerMinute, 1, WindowCapacity.MaxTokens, WindowItemReason),
            ClientIpHeader = Text(read, "OTP_CLIENT_IP_HEADER"),
            GenerateAllowsGet = Flag(read, "OTP_GENERATE_ALLOW_GET", defaults.GenerateAllowsGet),
            RequireVerificationId = Flag(read, "OTP_REQUIRE_VERIFICATION_ID", defaults.RequireVerificationId),
            SenderAddress = Text(read, "OTP_SENDER_ADDRESS"),
            SenderName = SenderName(read),
            AppName = Text(read, "OTP_APP_NAME") ?? defaults.AppName,
            DefaultLocale = Locale(read, DefaultLocaleVariable) ?? defaults.DefaultLocale,
            CorsAllowedOrigin = Text(read, "OTP_CORS_ALLOWED_ORIGIN"),
            // Lambda's limit is 900 s; below 3 s nothing is left once the 1 s margin is taken.
            FunctionTimeoutSeconds = Number(read, "OTP_FUNCTION_TIMEOUT_SECONDS", defaults.FunctionTimeoutSeconds, 3, 900),
            AwsTimeoutCapSeconds = Text(read, "OTP_AWS_TIMEOUT_CAP_SECONDS") is null ? null : Number(read, "OTP_AWS_TIMEOUT_CAP_SECONDS", 0, 1, 900),
        };

        // A deployer's templates are read and checked here, at init, in every function (a bad one stops init);
        // without them the built-in layout is left to its first reader (OtpSettings.MailTemplates), the mailer.
        return Text(read, MailTemplateFiles.DirectoryVariable) is { } templates
            ? settings with { MailTemplates = MailTemplateFiles.Load(MailTemplateFiles.Resolve(templates, Text(read, MailTemplateFiles.TaskRootVariable)), templates) }
            : settings;
    }

    private static TokenSettings ReadTokenSettings(Func<string, string?> read) => new()
    {
        Issuer = Url(read, TokenSettings.IssuerVariable),
        Audience = Text(read, TokenSettings.AudienceVariable),
        LifetimeSeconds = Text(read, TokenSettings.LifetimeVariable) is { } text
            ? int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds is >= 30 and <= 3600
                ? seconds
                : throw new InvalidOperationException($"{TokenSettings.LifetimeVariable} must be a whole number from 30 to 3600; it is '{text}'.")
            : new TokenSettings().LifetimeSeconds,
    };

    /// <summary>The deployment's default mail language (<see cref="OtpSettings.DefaultLocale"/>).</summary>
    public const string DefaultLocaleVariable = "OTP_DEFAULT_LOCALE";

    /// <summary>A supported locale from a BCP 47 tag (pt-PT becomes pt-BR); a malformed tag or a language the mail is not written in stops init.</summary>
    private static string? Locale(Func<string, string?> read, string name)
    {
        var text = Text(read, name);
        if (text is null)
        {
            return null;
        }

        if (!MailLocale.IsWellFormed(text))
        {
            throw new InvalidOperationException($"{name} must be a BCP 47 language tag (RFC 5646) such as en or pt-BR; it is '{text}'.");
        }

        return MailLocale.Resolve(text)
            ?? throw new InvalidOperationException($"{name} is '{text}', a language the mail is not written in; use one of {string.Join(", ", MailTexts.Supported)}.");
    }

    /// <summary>OTP_SENDER_NAME: any script (encoded for the wire by the sender), but one line of printable text, as a header's display name must be.</summary>
    private static string? SenderName(Func<string, string?> read)
    {
        const string name = "OTP_SENDER_NAME";
        var value = Text(read, name);
        if (value is not null && (value.Length > 100 || value.Any(char.IsControl)))
        {
            throw new InvalidOperationException($"{name} must be one line of at most 100 printable characters, e.g. Bücher Team; it has {value.Length} characters{(value.Any(char.IsControl) ? " and a control character" : "")}.");
        }

        return value;
    }

    /// <summary>Trimmed; an unset and an empty variable are the same, as in the SDKs.</summary>
    private static string? Text(Func<string, string?> read, string name) =>
        read(name)?.Trim() is { Length: > 0 } value ? value : null;

    private static bool Flag(Func<string, string?> read, string name, bool fallback) => Text(read, name)?.ToLowerInvariant() switch
    {
        null => fallback,
        "true" => true,
        "false" => false,
        var other => throw new InvalidOperationException($"{name} must be true or false; it is '{other}'."),
    };

    private static readonly string WindowItemReason = string.Create(CultureInfo.InvariantCulture,
        $" (a limiter window counts in one DynamoDB item, which holds at most {WindowCapacity.MaxTokens:N0} idempotency tokens within the {WindowCapacity.ItemLimitBytes:N0}-byte item limit)");

    private static int Number(Func<string, string?> read, string name, int fallback, int min, int max, string? why = null)
    {
        var text = Text(read, name);
        if (text is null)
        {
            return fallback;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new InvalidOperationException($"{name} must be a whole number from {min} to {max}{why}; it is '{text}'.");
        }

        return value;
    }

    /// <summary>An issuer is compared as a string by relying parties (RFC 7519 section 4.1.1): one form, no trailing slash.</summary>
    private static string? Url(Func<string, string?> read, string name)
    {
        if (Text(read, name) is not { } value)
        {
            return null;
        }

        return Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp) && uri.Query.Length == 0 && uri.Fragment.Length == 0
            ? value.TrimEnd('/')
            : throw new InvalidOperationException($"{name} must be an absolute http(s) URL with no query, e.g. https://auth.example.com; it is '{value}'.");
    }
}
