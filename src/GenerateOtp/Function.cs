using OtpService.Core.Lambda;
using OtpService.Core.Rules;

namespace GenerateOtp;

/// <summary>Lambda for GET/POST /otp/generate: stores a fresh code for the address (the stream then mails it).</summary>
public sealed class Function
{
    private readonly OtpIssuer _issuer;
    private readonly OtpSettings _settings;
    private readonly InvocationLog _log;

    /// <summary>Called by Lambda once per container: real DynamoDB client, settings from the environment.</summary>
    public Function()
        : this(OtpServices.FromEnvironment())
    {
    }

    public Function(OtpServices services)
        : this(new OtpIssuer(services.CreateStore(), services.Settings, services.Clock, services.CreateClientTagger()), services.Settings, services.CreateLog(nameof(GenerateOtp)))
    {
    }

    public Function(OtpIssuer issuer, OtpSettings settings, InvocationLog log)
    {
        _issuer = issuer;
        _settings = settings;
        _log = log;
    }

    public Task<Stream> FunctionHandler(Stream input) =>
        ApiFunction.HandleAsync(input, "/otp/generate", _log, _settings, (fields, cancellationToken) => OtpEndpoints.GenerateAsync(_issuer, _settings, fields, cancellationToken));
}
