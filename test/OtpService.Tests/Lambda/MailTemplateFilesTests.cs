using OtpService.Core.Aws;
using OtpService.Core.Lambda;
using OtpService.Core.Rules;
using Xunit;

namespace OtpService.Tests.Lambda;

/// <summary>OTP_MAIL_TEMPLATES_DIR and OTP_SENDER_NAME, read at init: a deployer's folder changes the mail, a bad one stops init naming the file and line.</summary>
public sealed class MailTemplateFilesTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("mail-templates-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    private void Write(string relative, string text)
    {
        var path = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private ServiceConfiguration Read(params (string Name, string Value)[] variables)
    {
        var env = variables.ToDictionary(v => v.Name, v => v.Value);
        env.TryAdd(MailTemplateFiles.TaskRootVariable, Path.GetDirectoryName(root)!);
        return ServiceConfiguration.Read(name => env.GetValueOrDefault(name));
    }

    private string Dir => Path.GetFileName(root);

    [Fact]
    public void TheFolder_ChangesTheMail_RelativeToTheTaskRoot()
    {
        Write("default/subject.liquid", "{{ app_name }}: {{ code }}");
        Write("en/text.liquid", "EN {{ code }} {{ lifetime }}");

        var settings = Read((MailTemplateFiles.DirectoryVariable, Dir)).Otp;
        var mail = OtpEmail.Compose("no-reply@example.com", "u@example.com", "123456", 120, settings, "en-GB");

        Assert.Equal("Simple Website: 123456", mail.Subject);
        Assert.Equal("EN 123456 2 mins", mail.TextBody);
        Assert.Contains("aria-label=\"1 2 3 4 5 6\"", mail.HtmlBody, StringComparison.Ordinal); // no html template: the built-in layout
    }

    [Fact]
    public void UnknownVariable_StopsInit_NamingTheVariableFileAndLine()
    {
        Write("ja/html.liquid", "<p>\n\n{{ cod }}</p>");

        var error = Assert.Throws<InvalidOperationException>(() => Read((MailTemplateFiles.DirectoryVariable, Dir)));

        Assert.StartsWith($"OTP_MAIL_TEMPLATES_DIR: {Dir}/ja/html.liquid line 3: unknown variable 'cod'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MalformedTemplate_StopsInit_NamingFileAndLine()
    {
        Write("default/text.liquid", "{{ code }}\n{% if code %}");

        var error = Assert.Throws<InvalidOperationException>(() => Read((MailTemplateFiles.DirectoryVariable, Dir)));

        Assert.StartsWith($"OTP_MAIL_TEMPLATES_DIR: {Dir}/default/text.liquid line 2: ", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("default/html.liqud", "not a template")]
    [InlineData("html.liquid", "templates go in a folder")]
    [InlineData("ja_JP/html.liquid", "BCP 47")]
    public void AStrayFileOrFolder_StopsInit(string relative, string why)
    {
        Write(relative, "{{ code }}");

        var error = Assert.Throws<InvalidOperationException>(() => Read((MailTemplateFiles.DirectoryVariable, Dir)));

        Assert.StartsWith("OTP_MAIL_TEMPLATES_DIR: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(why, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingOrEmptyFolder_StopsInit()
    {
        Assert.Contains("is not a folder", Assert.Throws<InvalidOperationException>(() => Read((MailTemplateFiles.DirectoryVariable, "no-such-folder"))).Message, StringComparison.Ordinal);
        Assert.Contains("holds no template", Assert.Throws<InvalidOperationException>(() => Read((MailTemplateFiles.DirectoryVariable, Dir))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unset_IsTheBuiltInLayout() =>
        Assert.Same(MailTemplates.BuiltIn, Read().Otp.MailTemplates);

    [Theory]
    [InlineData("Bücher Team\r\nBcc: x@example.com")]
    [InlineData("tab\tinside")]
    public void SenderName_WithAControlCharacter_StopsInit(string name)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Read(("OTP_SENDER_NAME", name)));

        Assert.StartsWith("OTP_SENDER_NAME must be one line", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SenderName_GoesOnTheMail_AndTheWireFormEncodesIt()
    {
        var settings = Read(("OTP_SENDER_NAME", "Bücher Team")).Otp;
        var mail = OtpEmail.Compose("no-reply@example.com", "u@example.com", "123456", 120, settings);

        Assert.Equal(("no-reply@example.com", "Bücher Team"), (mail.From, mail.FromName));
        Assert.Equal("=?utf-8?b?QsO8Y2hlcg==?= Team <no-reply@example.com>", SesV2EmailSender.FromHeader(mail), ignoreCase: true);
        Assert.Equal("no-reply@example.com", SesV2EmailSender.FromHeader(mail with { FromName = null }));
        Assert.Equal("\"Acme, Inc.\" <no-reply@example.com>", SesV2EmailSender.FromHeader(mail with { FromName = "Acme, Inc." }));
    }
}
