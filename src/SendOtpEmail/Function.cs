using OtpService.Core.Lambda;
using OtpService.Core.Rules;

namespace SendOtpEmail;

/// <summary>Lambda for the table's stream: mails the code of every inserted code item through SES.</summary>
public sealed class Function
{
    private readonly OtpMailer _mailer;
    private readonly InvocationLog _log;
    private readonly InvocationBudget _budget;

    /// <summary>The function as init builds it (<see cref="LambdaEntry"/> in Lambda, the local runner locally): store, SES sender, code key ring and log from <paramref name="services"/>.</summary>
    /// <exception cref="InvalidOperationException">No sender address, a timeout too short to mail one record, or a key not configured; the message names the variable.</exception>
    public Function(OtpServices services)
    {
        ArgumentNullException.ThrowIfNull(services);
        _log = services.CreateLog(nameof(SendOtpEmail));
        _mailer = new OtpMailer(services.CreateStore(), services.CreateEmailSender(), services.CreateCodeDerivation(_log), services.RequireSender(), services.Clock);
        _budget = services.Budget;
        services.AwaitKeyReads();
    }

    /// <summary>The function around a ready rule.</summary>
    /// <param name="mailer">The rule.</param>
    /// <param name="log">One line per invocation.</param>
    public Function(OtpMailer mailer, InvocationLog log)
    {
        _mailer = mailer ?? throw new ArgumentNullException(nameof(mailer));
        _log = log;
        _budget = InvocationBudget.For(mailer.Settings); // once, at init: not per invocation
    }

    public Task<Stream> FunctionHandler(Stream input) => StreamBatchHandler.HandleAsync(input, _mailer, _budget, _log);
}
