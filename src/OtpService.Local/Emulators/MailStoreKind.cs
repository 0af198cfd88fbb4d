namespace OtpService.Local.Emulators;

/// <summary>The SES emulators whose sent mail the runner can show, each keeping it in its own API.</summary>
internal enum MailStoreKind
{
    /// <summary>Not recognised: the mail is wherever that emulator keeps it.</summary>
    Unknown,

    /// <summary>aws-ses-v2-local: a page at <c>/</c>, JSON at <c>GET /store</c>.</summary>
    AwsSesV2Local,

    /// <summary>moto: <c>GET /moto-api/data.json</c>, under <c>ses.Message</c>.</summary>
    Moto,

    /// <summary>LocalStack: <c>GET /_aws/ses</c> (its "messages").</summary>
    LocalStack,
}
