namespace OtpService.Core.Rules;

/// <summary>
/// Why a mail was not delivered, in the three classes that decide what happens to it. The mail
/// adapter decides the class from the provider's error (README "Why mail fails" lists the mapping
/// and its sources); the rules and the stream handler act on the class only.
/// </summary>
public enum DeliveryFailureClass
{
    /// <summary>Throttling, 5xx, timeouts, connection failures: the same mail can succeed later. The record is retried.</summary>
    Transient,

    /// <summary>The provider refused this one message for good (e.g. an address it calls illegal). Dropped, logged and counted.</summary>
    Undeliverable,

    /// <summary>
    /// The account or the deployment is wrong (access denied, sending paused, unverified sender or,
    /// in the SES sandbox, recipient, bad credentials): no mail can go out until an operator acts.
    /// The record fails, so its bounded retries end in the failure queue, and an alarm fires.
    /// </summary>
    Configuration,
}
