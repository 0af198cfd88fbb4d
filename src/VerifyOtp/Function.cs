using OtpService.Core.Composition;
using OtpService.Core.Api;
using OtpService.Core.Logging;
using OtpService.Core.Otp;

namespace VerifyOtp;

/// <summary>Lambda for GET/POST /otp/verify: checks a submitted code against the address's newest code.</summary>
public sealed class Function
{
    private readonly OtpVerifier _verifier;
    private readonly OtpSettings _settings;
    private readonly InvocationLog _log;

    /// <summary>Called by Lambda once per container: real DynamoDB client, signing key, settings from the environment.</summary>
    public Function()
        : this(OtpServices.FromEnvironment())
    {
    }

    public Function(OtpServices services)
        : this(new OtpVerifier(services.CreateStore(), services.CreateCodes(), services.Settings, services.Clock, services.CreateClientTagger()), services.Settings, services.CreateLog(nameof(VerifyOtp)))
    {
    }

    public Function(OtpVerifier verifier, OtpSettings settings, InvocationLog log)
    {
        _verifier = verifier;
        _settings = settings;
        _log = log;
    }

    public Task<Stream> FunctionHandler(Stream input) =>
        ApiFunction.HandleAsync(input, "/otp/verify", _log, _settings, (fields, cancellationToken) => OtpEndpoints.VerifyAsync(_verifier, _settings, fields, cancellationToken));
}
