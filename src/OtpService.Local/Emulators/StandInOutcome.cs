namespace OtpService.Local.Emulators;

/// <summary>What became of one recipient of a send through <see cref="SesSuppressionStandIn"/>.</summary>
internal enum StandInOutcome
{
    /// <summary>Passed on to aws-ses-v2-local, which keeps the mail.</summary>
    Delivered,

    /// <summary>A hard bounce (SMTP 550 5.1.1): not kept; the address goes on the suppression list unless it is SES's mailbox simulator.</summary>
    Bounced,

    /// <summary>On the suppression list: accepted, not sent (bounceSubType OnAccountSuppressionList).</summary>
    Suppressed,
}
