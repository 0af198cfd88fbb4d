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
    private readonly IdentityTokens _tokens;
    private readonly InvocationBudget _budget;

    /// <summary>The function as init builds it (<see cref="LambdaEntry"/> in Lambda, the local runner locally): store, keys, token issuer and log from <paramref name="services"/>.</summary>
    /// <exception cref="InvalidOperationException">A key not configured; the message names the variable.</exception>
    public Function(OtpServices services)
    {
        ArgumentNullException.ThrowIfNull(services);
        _log = services.CreateLog(nameof(VerifyOtp));
        _settings = services.Settings;
        _budget = services.Budget;
        _verifier = new OtpVerifier(services.CreateStore(), services.CreateCodeDerivation(_log), services.Settings, services.Clock, services.CreateClientTagger());
        _tokens = services.CreateTokens(_log);
        services.AwaitKeyReads(); // the four key reads started above, waited for together
    }

    /// <summary>The function around a ready rule.</summary>
    /// <param name="verifier">The rule.</param>
    /// <param name="settings">The service's settings.</param>
    /// <param name="log">One line per invocation.</param>
    /// <param name="tokens">Signs tokens and serves the JWKS.</param>
    public Function(OtpVerifier verifier, OtpSettings settings, InvocationLog log, IdentityTokens tokens)
    {
        _verifier = verifier ?? throw new ArgumentNullException(nameof(verifier));
        _settings = settings ?? throw new ArgumentNullException(nameof(settings));
        _log = log ?? throw new ArgumentNullException(nameof(log));
        _tokens = tokens ?? throw new ArgumentNullException(nameof(tokens));
        _budget = InvocationBudget.For(settings); // once, at init: not per invocation
    }

    public Task<Stream> FunctionHandler(Stream input) =>
        ApiFunction.HandleAsync(input, "/otp/verify", _log, _settings, _budget, _verifier.Clock, (request, fields, cancellationToken) =>
            Routes.VerifyAsync(_verifier, _settings, _tokens, request, fields, cancellationToken));
}
