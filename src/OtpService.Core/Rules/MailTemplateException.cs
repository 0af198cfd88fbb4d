namespace OtpService.Core.Rules;

/// <summary>
/// A mail template that cannot be used: malformed, or naming a variable that does not exist. Thrown
/// at init only (<see cref="MailTemplates.Parse"/>), never while a mail is sent.
/// </summary>
public sealed class MailTemplateException : InvalidOperationException
{
    public MailTemplateException()
    {
    }

    public MailTemplateException(string message)
        : base(message)
    {
    }

    public MailTemplateException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <param name="file">The template's name (its path).</param>
    /// <param name="line">The 1-based line of the problem.</param>
    /// <param name="problem">What is wrong there.</param>
    public MailTemplateException(string file, int line, string problem)
        : base($"{file} line {line}: {problem}")
    {
        File = file;
        Line = line;
    }

    /// <summary>The template's name (its path), when known.</summary>
    public string? File { get; }

    /// <summary>The 1-based line of the problem, when known.</summary>
    public int Line { get; }
}
