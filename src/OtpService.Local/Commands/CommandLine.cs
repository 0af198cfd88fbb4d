using System.Globalization;

namespace OtpService.Local.Commands;

/// <summary>What the user asked for on the command line.</summary>
internal abstract record Command;

internal sealed record HelpCommand(string? Error = null) : Command;

internal sealed record StartApiOptions : Command
{
    public int Port { get; init; } = 3000;

    /// <summary>The sign-in page's port: its own origin, so the page's calls to the API cross origins (CORS) as in production.</summary>
    public int SitePort { get; init; } = 3001;
    public int DynamoDbPort { get; init; } = 8000;
    public int SesPort { get; init; } = 8005;
    public string? DataDirectory { get; init; }
}

internal sealed record InvokeOptions(string Function) : Command
{
    /// <summary>A file, "-" for standard input, or null for an empty event <c>{}</c>.</summary>
    public string? EventPath { get; init; }
    public int DynamoDbPort { get; init; } = 8000;
    public int SesPort { get; init; } = 8005;
}

/// <summary>Parses <c>[start-api] [--port N] [--site-port N] [--dynamodb-port N] [--ses-port N] [--data DIR]</c> and <c>invoke FUNCTION [--event FILE]</c>.</summary>
internal static class CommandLine
{
    public const string Usage = """
        OtpService local runner: the whole service on this machine, no Docker, no AWS account.

        Usage:
          dotnet run --project src/OtpService.Local [-- [start-api] [options]]
              Like `sam local start-api`: starts dynalite (DynamoDB) and aws-ses-v2-local (SES),
              creates the table, serves GET|POST /otp/generate and /otp/verify (and the API's
              description at /openapi.json), delivers each new table item to SendOtpEmail as a
              DynamoDB Streams INSERT record, and serves the sign-in page (site/) on its own port.
            --port N            API port (default 3000)
            --site-port N       sign-in page port, a separate origin from the API's (default 3001)
            --dynamodb-port N   dynalite port (default 8000)
            --ses-port N        aws-ses-v2-local port; its page lists sent mail (default 8005)
            --data DIR          keep DynamoDB data in DIR across restarts (default: in memory)

          dotnet run --project src/OtpService.Local -- invoke FUNCTION [--event FILE] [--dynamodb-port N] [--ses-port N]
              Like `sam local invoke`: runs FUNCTION (GenerateOtp, SendOtpEmail, VerifyOtp) once on
              the event in FILE ("-" reads standard input; none: {}) and prints its response JSON.
              Uses the emulators already running on the ports (a running start-api), or starts
              them there for this one call.

          --help                this text

        Configuration comes from the same environment variables as the Lambda functions
        (OTP_TTL_SECONDS, OTP_LENGTH, ...; see README), e.g.
          OTP_TTL_SECONDS=30 dotnet run --project src/OtpService.Local
        """;

    public static Command Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var rest = args.ToList();
        if (rest.Any(a => a is "--help" or "-h" or "help"))
        {
            return new HelpCommand();
        }

        try
        {
            if (rest.Count > 0 && rest[0] == "invoke")
            {
                return ParseInvoke(rest.Skip(1).ToList());
            }

            if (rest.Count > 0 && rest[0] == "start-api")
            {
                rest.RemoveAt(0);
            }

            var options = new StartApiOptions();
            for (var i = 0; i < rest.Count; i++)
            {
                options = rest[i] switch
                {
                    "--port" => options with { Port = Port(rest, ref i) },
                    "--site-port" => options with { SitePort = Port(rest, ref i) },
                    "--dynamodb-port" => options with { DynamoDbPort = Port(rest, ref i) },
                    "--ses-port" => options with { SesPort = Port(rest, ref i) },
                    "--data" => options with { DataDirectory = Value(rest, ref i) },
                    var other => throw new FormatException($"Unknown argument '{other}'."),
                };
            }

            return Distinct(options.Port, options.SitePort, options.DynamoDbPort, options.SesPort) ? options : new HelpCommand("The four ports must differ.");
        }
        catch (FormatException e)
        {
            return new HelpCommand(e.Message);
        }
    }

    private static Command ParseInvoke(List<string> args)
    {
        if (args.Count == 0 || args[0].StartsWith('-'))
        {
            return new HelpCommand($"invoke needs a function name: {string.Join(", ", Lambda.LambdaFunctions.Names)}.");
        }

        var options = new InvokeOptions(args[0]);
        for (var i = 1; i < args.Count; i++)
        {
            options = args[i] switch
            {
                "--event" or "-e" => options with { EventPath = Value(args, ref i) },
                "--dynamodb-port" => options with { DynamoDbPort = Port(args, ref i) },
                "--ses-port" => options with { SesPort = Port(args, ref i) },
                var other => throw new FormatException($"Unknown argument '{other}'."),
            };
        }

        return Distinct(options.DynamoDbPort, options.SesPort) ? options : new HelpCommand("The ports must differ.");
    }

    private static string Value(List<string> args, ref int i)
    {
        if (i + 1 >= args.Count)
        {
            throw new FormatException($"{args[i]} needs a value.");
        }

        return args[++i];
    }

    private static int Port(List<string> args, ref int i)
    {
        var name = args[i];
        var text = Value(args, ref i);
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new FormatException($"{name} must be a port number from 1 to 65535; it is '{text}'.");
        }

        return port;
    }

    private static bool Distinct(params int[] ports) => ports.Distinct().Count() == ports.Length;
}
