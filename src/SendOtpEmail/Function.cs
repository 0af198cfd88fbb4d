using OtpService.Core.Lambda;
using OtpService.Core.Rules;

namespace SendOtpEmail;

/// <summary>Lambda for the table's stream: mails the code of every inserted code item through SES.</summary>
public sealed class Function
{
    private readonly OtpMailer _mailer;
    private readonly InvocationLog _log;

    /// <summary>Called by Lambda once per container: real DynamoDB and SES clients, signing key, settings from the environment.</summary>
    public Function()
        : this(OtpServices.FromEnvironment())
    {
    }

    public Function(OtpServices services)
        : this(services, services.CreateLog(nameof(SendOtpEmail)))
    {
    }

    private Function(OtpServices services, InvocationLog log)
        : this(new OtpMailer(services.CreateStore(), services.CreateEmailSender(), services.CreateCodes(log), services.RequireSender(), services.Clock), log)
    {
    }

    public Function(OtpMailer mailer, InvocationLog log)
    {
        _mailer = mailer;
        _log = log;
    }

    public Task<Stream> FunctionHandler(Stream input) => StreamBatchHandler.HandleAsync(input, _mailer, _log);
}
