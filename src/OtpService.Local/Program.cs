using System.Runtime.InteropServices;
using OtpService.Local.Commands;

// The local runner: `start-api` (default) and `invoke` (docs/local.md); `mail-preview` (docs/mail.md); `aot-template` (docs/deploy.md).
var command = CommandLine.Parse(args);

// The runner's one clock: every part of it that reads the time (and the functions it runs) is given this one.
var clock = TimeProvider.System;

// Never disposed, nor the two registrations below: a signal can still arrive while the process
// exits after a clean stop, and it must find the handler (not the default action, exit 143).
var shutdown = new CancellationTokenSource();
var signalled = 0;
void Stop(PosixSignalContext context)
{
    // The first Ctrl+C / SIGTERM stops cleanly; a second one (of either) ends the process at once:
    // not cancelled, it gets the signal's default action. The emulators still go: node exits when
    // the runner's end of its stdin pipe closes (EmulatorProcess). .NET runs each signal's handlers
    // on a thread of their own, so two signals arriving together race here: exactly one is the first.
    // The web hosts take no signals (LocalWebHost), or they would cancel every one.
    if (Interlocked.Exchange(ref signalled, 1) == 0)
    {
        context.Cancel = true;
        shutdown.Cancel();
    }
}

var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
AppDomain.CurrentDomain.ProcessExit += (_, _) => GC.KeepAlive((onInterrupt, onTerminate, shutdown));

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
        return await InvokeCommand.RunAsync(invoke, Console.In, response, Console.Error, clock, shutdown.Token);
    case MailPreviewOptions mailPreview:
        return MailPreviewCommand.Run(mailPreview, Environment.GetEnvironmentVariable, clock.GetUtcNow(), Console.Out, Console.Error);
    case AotTemplateOptions aotTemplate:
        return AotTemplateCommand.Run(aotTemplate, Console.Out, Console.Error);
    case StartApiOptions startApi:
        return await StartApiCommand.RunAsync(startApi, Console.Out, Console.Error, clock, shutdown.Token);
    default:
        throw new InvalidOperationException($"Unhandled command {command}.");
}
