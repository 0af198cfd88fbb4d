using System.Text;
using OtpService.Core.Lambda;
using OtpService.Core.Rules;

namespace OtpService.Local.Commands;

/// <summary>
/// <c>mail-preview [--locale TAG] [--template DIR] [--out DIR]</c>: the mail SendOtpEmail would send
/// for a sample code, written to files and not sent (docs/mail.md). The configuration is read as the
/// function reads it at init (<see cref="ServiceConfiguration"/>), with <c>--template</c> in place of
/// OTP_MAIL_TEMPLATES_DIR, so a template the function would refuse is refused here with its file and line.
/// </summary>
internal static class MailPreviewCommand
{
    /// <summary>The sample code: six digits, as the default OTP_LENGTH gives.</summary>
    public const string SampleCode = "482913";

    /// <summary>The sample recipient.</summary>
    public const string SampleAddress = "reader@example.com";

    /// <summary>Writes subject.txt, mail.html and mail.txt; the exit code.</summary>
    public static int Run(MailPreviewOptions options, Func<string, string?> environment, DateTimeOffset now, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(options);
        OtpSettings settings;
        try
        {
            settings = ServiceConfiguration.Read(name => name switch
            {
                MailTemplateFiles.DirectoryVariable => options.TemplateDirectory is { } dir ? Path.GetFullPath(dir) : null,
                _ => environment(name),
            }).Otp;
        }
        catch (InvalidOperationException e)
        {
            error.WriteLine(e.Message);
            return ExitCodes.Failed;
        }

        var mail = OtpEmail.Compose(settings.SenderAddress ?? "no-reply@example.com", SampleAddress, SampleCode, settings.TtlSeconds, settings, options.Locale, now);
        var folder = Path.GetFullPath(options.OutputDirectory ?? Path.Combine("mail-preview", options.Locale));
        Directory.CreateDirectory(folder);
        var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        File.WriteAllText(Path.Combine(folder, "subject.txt"), mail.Subject + "\n", utf8);
        File.WriteAllText(Path.Combine(folder, "mail.html"), mail.HtmlBody, utf8);
        File.WriteAllText(Path.Combine(folder, "mail.txt"), mail.TextBody, utf8);
        output.WriteLine($"Subject: {mail.Subject}");
        output.WriteLine($"Wrote subject.txt, mail.html ({utf8.GetByteCount(mail.HtmlBody):N0} bytes) and mail.txt to {folder}");
        return ExitCodes.Ok;
    }
}
