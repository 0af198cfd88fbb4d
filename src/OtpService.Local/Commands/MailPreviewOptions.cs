namespace OtpService.Local.Commands;

/// <summary><c>mail-preview</c>: the mail for a sample code in <see cref="Locale"/>, written to files, not sent (<see cref="MailPreviewCommand"/>).</summary>
internal sealed record MailPreviewOptions(string Locale) : Command
{
    /// <summary>A template folder as OTP_MAIL_TEMPLATES_DIR takes it (relative to the current directory), or null for the built-in layout.</summary>
    public string? TemplateDirectory { get; init; }

    /// <summary>Where the files go; null: mail-preview/&lt;locale&gt; under the current directory.</summary>
    public string? OutputDirectory { get; init; }
}
