using OtpService.Core.Lambda;
using OtpService.Core.Rules;
using OtpService.Core.Tokens;

namespace VerifyOtp;

/// <summary>
/// Lambda for GET/POST /otp/verify: checks a submitted code against the address's newest code and
/// answers a right one with a signed token. Also answers GET /.well-known/jwks.json with the token
/// keys it loaded at init (the same keys it signs with, so kid and JWKS never disagree).
/// </summary>
public sealed class Function
{
    private readonly OtpVerifier _verifier;
    private readonly OtpSettings _settings;
    private readonly InvocationLog _log;
    private readonly IdentityTokens? _tokens;

    /// <summary>Called by Lambda once per container: real DynamoDB and KMS clients, keys, settings from the environment.</summary>
    public Function()
        : this(OtpServices.FromEnvironment())
    {
    }

    public Function(OtpServices services)
        : this(services, services.CreateLog(nameof(VerifyOtp)))
    {
    }

    private Function(OtpServices services, InvocationLog log)
        : this(new OtpVerifier(services.CreateStore(), services.CreateCodes(log), services.Settings, services.Clock, services.CreateClientTagger()), services.Settings, log, services.CreateTokens())
    {
    }

    /// <param name="verifier">The rule.</param>
    /// <param name="settings">The service's settings.</param>
    /// <param name="log">One line per invocation.</param>
    /// <param name="tokens">Signs tokens and serves the JWKS; null: the seed's bare "Verified" and no JWKS.</param>
    public Function(OtpVerifier verifier, OtpSettings settings, InvocationLog log, IdentityTokens? tokens = null)
    {
        _verifier = verifier;
        _settings = settings;
        _log = log;
        _tokens = tokens;
    }

    public Task<Stream> FunctionHandler(Stream input) =>
        ApiFunction.HandleAsync(input, "/otp/verify", _log, _settings, (request, fields, cancellationToken) => _tokens is null
            ? OtpEndpoints.VerifyAsync(_verifier, _settings, fields, cancellationToken)
            : OtpEndpoints.VerifyAsync(_verifier, _settings, _tokens, request, fields, cancellationToken));
}
