using System.Runtime.InteropServices;
using OtpService.Local.Commands;

// The local runner: `start-api` (default) and `invoke` (docs/local.md); `mail-preview` (docs/mail.md); `aot-template` (docs/deploy.md).
var command = CommandLine.Parse(args);

using var shutdown = new CancellationTokenSource();
void Stop(PosixSignalContext context)
{
    // The first Ctrl+C / SIGTERM stops cleanly; a second one ends the process at once
    // (the emulators still go: ProcessExit kills them, and they exit when our pipe closes).
    if (!shutdown.IsCancellationRequested)
    {
        context.Cancel = true;
        shutdown.Cancel();
    }
}

using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

switch (command)
{
    case HelpCommand { Error: { } error } help:
        await Console.Error.WriteLineAsync(error + Environment.NewLine);
        CommandLine.WriteHelp(help.Parsed, Console.Error);
        return ExitCodes.Usage;
    case HelpCommand help:
        CommandLine.WriteHelp(help.Parsed, Console.Out);
        return ExitCodes.Ok;
    case InvokeOptions invoke:
        // Like `sam local invoke`: the response alone on stdout, the function's own log lines on stderr.
        var response = Console.Out;
        Console.SetOut(Console.Error);
        return await InvokeCommand.RunAsync(invoke, Console.In, response, Console.Error, shutdown.Token);
    case MailPreviewOptions mailPreview:
        return MailPreviewCommand.Run(mailPreview, Environment.GetEnvironmentVariable, DateTimeOffset.UtcNow, Console.Out, Console.Error);
    case AotTemplateOptions aotTemplate:
        return AotTemplateCommand.Run(aotTemplate, Console.Out, Console.Error);
    case StartApiOptions startApi:
        return await StartApiCommand.RunAsync(startApi, Console.Out, Console.Error, shutdown.Token);
    default:
        throw new InvalidOperationException($"Unhandled command {command}.");
}
