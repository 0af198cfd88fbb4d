using OtpService.Core.Lambda;
using OtpService.Core.Rules;

namespace GenerateOtp;

/// <summary>Lambda for GET/POST /otp/generate: stores a fresh code for the address (the stream then mails it).</summary>
public sealed class Function
{
    private readonly OtpIssuer _issuer;
    private readonly OtpSettings _settings;
    private readonly InvocationLog _log;
    private readonly InvocationBudget _budget;

    /// <summary>The function as init builds it (<see cref="LambdaEntry"/> in Lambda, the local runner locally): its store, client key and log from <paramref name="services"/>.</summary>
    public Function(OtpServices services)
        : this(new OtpIssuer(services.CreateStore(), services.Settings, services.Clock, services.CreateClientTagger()), services.Settings, services.CreateLog(nameof(GenerateOtp))) =>
        services.AwaitKeyReads();

    /// <summary>The function around a ready rule.</summary>
    /// <param name="issuer">The rule.</param>
    /// <param name="settings">The service's settings.</param>
    /// <param name="log">One line per invocation.</param>
    public Function(OtpIssuer issuer, OtpSettings settings, InvocationLog log)
    {
        _issuer = issuer;
        _settings = settings;
        _log = log;
        _budget = InvocationBudget.For(settings); // once, at init: not per invocation
    }

    public Task<Stream> FunctionHandler(Stream input) =>
        ApiFunction.HandleAsync(input, "/otp/generate", _log, _settings, _budget, _issuer.Clock, (fields, cancellationToken) => Routes.GenerateAsync(_issuer, _settings, fields, cancellationToken));
}
