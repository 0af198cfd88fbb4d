using System.CommandLine;
using System.CommandLine.Parsing;
using OtpService.Local.Lambda;

namespace OtpService.Local.Commands;

/// <summary>
/// The runner's command line on System.CommandLine: <c>[start-api] [options]</c> (the default) and
/// <c>invoke FUNCTION [options]</c>, with generated help (<c>--help</c>, also per command) and
/// validation (ports 1-65535 and distinct, absolute http(s) endpoint URLs, known function names).
/// </summary>
internal static class CommandLine
{
    private const string Description = """
        OtpService local runner: the whole service on this machine, no Docker, no AWS account.
        Like `sam local start-api`: starts dynalite (DynamoDB) and aws-ses-v2-local (SES) unless you
        give their endpoints, creates the table as template.yaml defines it, serves GET|POST
        /otp/generate and /otp/verify (and the API's description at /openapi.json), delivers the
        table's stream records to SendOtpEmail with the template's filter, batch size and retries,
        and serves the sign-in page (site/) on its own port, a separate origin from the API's.
        Configuration comes from the same environment variables as the Lambda functions, e.g.
        OTP_TTL_SECONDS=30 dotnet run --project src/OtpService.Local

        Ports it opens, all on 127.0.0.1, and nothing else (the banner's Ports line lists them):
          --port (API) and --site-port (sign-in page);
          --ses-port (aws-ses-v2-local), unless --ses-endpoint is given;
          without --dynamodb-endpoint: --dynamodb-port (the stream proxy, where the functions and
            you reach DynamoDB) and dynalite's own port behind it, a free one the OS picks;
          with --dynamodb-endpoint: none if that DynamoDB has streams; else the stream proxy, on
            --dynamodb-port if given, or on a free port the OS picks.
        invoke opens at most --dynamodb-port and --ses-port, for the emulators it starts.
        See docs/local.md.
        """;

    public static Command Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var root = Build(out var read);
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            return new HelpCommand(string.Join(Environment.NewLine, parsed.Errors.Select(e => e.Message)), parsed);
        }

        if (parsed.Action is System.CommandLine.Help.HelpAction)
        {
            return new HelpCommand(null, parsed);
        }

        var command = read(parsed);
        return Clash(command) is { } clash ? new HelpCommand(clash, parsed) : command;
    }

    /// <summary>Prints the help of the command the user was on (the root, start-api or invoke).</summary>
    public static void WriteHelp(ParseResult parsed, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        List<string> path = [.. parsed.Tokens.Where(t => t.Type == TokenType.Command).Select(t => t.Value), "--help"];
        parsed.RootCommandResult.Command.Parse(path).Invoke(new InvocationConfiguration { Output = output, Error = output });
    }

    private static RootCommand Build(out Func<ParseResult, Command> read)
    {
        var root = new RootCommand(Description);
        var startApi = new System.CommandLine.Command("start-api", "Start the API on 127.0.0.1 with the emulators (the default command).");

        // Actions only mark the commands as runnable on their own (the root is start-api); Program runs the parsed record.
        root.SetAction(_ => 0);
        startApi.SetAction(_ => 0);
        var rootOptions = new StartApiSymbols(root);
        var startApiOptions = new StartApiSymbols(startApi);
        root.Add(startApi);

        var invoke = new System.CommandLine.Command(
            "invoke",
            "Like `sam local invoke`: run FUNCTION once on an event and print its response JSON on stdout (everything else on stderr). "
            + "Uses emulators already answering on the ports (a running start-api), else starts them for this one call.");
        var function = new Argument<string>("FUNCTION") { Description = $"One of {string.Join(", ", LambdaFunctions.Names)}." };
        function.AcceptOnlyFromAmong(StringComparer.OrdinalIgnoreCase, [.. LambdaFunctions.Names]);
        var eventPath = new Option<string>("--event", "-e") { Description = "The event file (\"-\": standard input; none: {}). A relative path is from where you run the command.", HelpName = "FILE" };
        var invokeDynamoDbPort = PortOption("--dynamodb-port", 8000, "DynamoDB emulator port: used if it answers there, else dynalite is started there for this call (not used with --dynamodb-endpoint)");
        var invokeSesPort = PortOption("--ses-port", 8005, "SES emulator port: used if it answers there, else aws-ses-v2-local is started there for this call (not used with --ses-endpoint)");
        var invokeShared = new SharedSymbols(invoke);
        invoke.Add(function);
        invoke.Add(eventPath);
        invoke.Add(invokeDynamoDbPort);
        invoke.Add(invokeSesPort);
        invoke.SetAction(_ => 0);
        root.Add(invoke);

        // For developers of this repository, not for running the service: template.yaml is the one
        // template to edit; this writes the Native AOT one from it.
        var aotTemplate = new System.CommandLine.Command("aot-template", "Write template-aot.yaml from template.yaml (edit template.yaml only; a test fails while the two disagree).");
        var check = new Option<bool>("--check") { Description = "Write nothing; exit 1 if template-aot.yaml differs from what would be written." };
        aotTemplate.Add(check);
        aotTemplate.SetAction(_ => 0);
        root.Add(aotTemplate);

        read = parsed =>
        {
            var command = parsed.CommandResult.Command;
            if (command == aotTemplate)
            {
                return new AotTemplateOptions(parsed.GetValue(check));
            }

            if (command == invoke)
            {
                return new InvokeOptions(Canonical(parsed.GetRequiredValue(function)))
                {
                    EventPath = parsed.GetValue(eventPath),
                    DynamoDbPort = parsed.GetValue(invokeDynamoDbPort),
                    SesPort = parsed.GetValue(invokeSesPort),
                    EnvVarsPath = parsed.GetValue(invokeShared.EnvVars),
                    Endpoints = invokeShared.Read(parsed),
                };
            }

            return (command == startApi ? startApiOptions : rootOptions).Read(parsed);
        };
        return root;
    }

    private static string Canonical(string function) =>
        LambdaFunctions.Names.First(n => string.Equals(n, function, StringComparison.OrdinalIgnoreCase));

    private static Option<int> PortOption(string name, int? defaultValue, string description)
    {
        var option = new Option<int>(name) { Description = description, HelpName = "PORT" };
        if (defaultValue is { } value)
        {
            option.DefaultValueFactory = _ => value;
        }

        option.CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
            if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535)
            {
                return port;
            }

            result.AddError($"{name} must be a port number from 1 to 65535, not '{text}'.");
            return 0;
        };
        return option;
    }

    /// <summary>The ports that will be listened on must differ (an endpoint given instead makes its emulator's port unused); null when they do.</summary>
    private static string? Clash(Command command)
    {
        var used = new List<(int Port, string Name)>();
        switch (command)
        {
            case StartApiOptions o:
                used.Add((o.Port, "--port"));
                used.Add((o.SitePort, "--site-port"));
                if (o.Endpoints.DynamoDb is null || o.DynamoDbPort is not null)
                {
                    // The stream proxy: in front of dynalite, or in front of an endpoint without streams.
                    used.Add((o.DynamoDbPort ?? StartApiOptions.DefaultDynamoDbPort, "--dynamodb-port"));
                }

                if (o.Endpoints.Ses is null)
                {
                    used.Add((o.SesPort, "--ses-port"));
                }

                break;
            case InvokeOptions o:
                if (o.Endpoints.DynamoDb is null)
                {
                    used.Add((o.DynamoDbPort, "--dynamodb-port"));
                }

                if (o.Endpoints.Ses is null)
                {
                    used.Add((o.SesPort, "--ses-port"));
                }

                break;
        }

        var clashes = used.GroupBy(u => u.Port).Where(g => g.Count() > 1)
            .Select(g => $"{string.Join(" and ", g.Select(c => c.Name))} are both {g.Key}: the ports must differ.")
            .ToList();
        return clashes.Count == 0 ? null : string.Join(Environment.NewLine, clashes);
    }

    /// <summary>The options start-api takes, on the root command and on <c>start-api</c> itself.</summary>
    private sealed class StartApiSymbols
    {
        private readonly Option<int> port = PortOption("--port", 3000, "API port");
        private readonly Option<int> sitePort = PortOption("--site-port", 3001, "The sign-in page's port (site/), a separate origin from the API's so the page's calls cross origins as in production");
        private readonly Option<int> dynamoDbPort = PortOption(
            "--dynamodb-port",
            null,
            "Where the functions and you reach DynamoDB: the runner's stream proxy in front of dynalite (default 8000). "
            + "With --dynamodb-endpoint, the proxy's port, opened only if that DynamoDB has no streams (default: a free port the banner prints)");

        private readonly Option<int> sesPort = PortOption("--ses-port", 8005, "aws-ses-v2-local's port; its page lists sent mail (not opened with --ses-endpoint)");
        private readonly Option<string> data = new("--data") { Description = "Keep dynalite's data in DIR across restarts (default: in memory). A relative path is from where you run the command.", HelpName = "DIR" };
        private readonly SharedSymbols shared;

        public StartApiSymbols(System.CommandLine.Command command)
        {
            command.Add(port);
            command.Add(sitePort);
            command.Add(dynamoDbPort);
            command.Add(sesPort);
            command.Add(data);
            shared = new SharedSymbols(command);
        }

        public StartApiOptions Read(ParseResult parsed) => new()
        {
            Port = parsed.GetValue(port),
            SitePort = parsed.GetValue(sitePort),
            DynamoDbPort = parsed.GetResult(dynamoDbPort) is null ? null : parsed.GetValue(dynamoDbPort),
            SesPort = parsed.GetValue(sesPort),
            DataDirectory = parsed.GetValue(data),
            EnvVarsPath = parsed.GetValue(shared.EnvVars),
            Endpoints = shared.Read(parsed),
        };
    }

    /// <summary>Options both commands take: the env-vars file and the endpoints of existing emulators.</summary>
    private sealed class SharedSymbols
    {
        private readonly Option<Uri> all = EndpointOption("--endpoint", "One endpoint for every service below that is not given on its own (LocalStack or moto serve all on one port), like AWS_ENDPOINT_URL.");
        private readonly Option<Uri> dynamoDb = EndpointOption("--dynamodb-endpoint", "Use this DynamoDB (DynamoDB Local, LocalStack, moto, a dynalite of yours) instead of starting dynalite.");
        private readonly Option<Uri> ses = EndpointOption("--ses-endpoint", "Use this SES v2 endpoint (LocalStack, moto) instead of starting aws-ses-v2-local.");
        private readonly Option<Uri> kms = EndpointOption("--kms-endpoint", "KMS for the functions (AWS_ENDPOINT_URL_KMS); unset: the functions' local development key.");
        private readonly Option<Uri> secretsManager = EndpointOption("--secrets-manager-endpoint", "Secrets Manager for the functions (AWS_ENDPOINT_URL_SECRETS_MANAGER); unset: the development key OTP_SIGNING_KEY.");

        public SharedSymbols(System.CommandLine.Command command)
        {
            command.Add(EnvVars);
            foreach (var option in new[] { all, dynamoDb, ses, kms, secretsManager })
            {
                command.Add(option);
            }
        }

        public Option<string> EnvVars { get; } = new("--env-vars", "-n")
        {
            Description = "Environment variables per function, as `sam local invoke --env-vars` takes them: {\"Parameters\": {...}, \"GenerateOtpFunction\": {...}}; "
                + "only variables template.yaml declares for the function apply (e.g. events/env.json).",
            HelpName = "FILE",
        };

        public ServiceEndpoints Read(ParseResult parsed) => Endpoints(parsed.CommandResult);

        public ServiceEndpoints Endpoints(CommandResult result)
        {
            var fallback = result.GetValue(all);
            return new ServiceEndpoints
            {
                DynamoDb = result.GetValue(dynamoDb) ?? fallback,
                Ses = result.GetValue(ses) ?? fallback,
                Kms = result.GetValue(kms) ?? fallback,
                SecretsManager = result.GetValue(secretsManager) ?? fallback,
            };
        }

        private static Option<Uri> EndpointOption(string name, string description) => new(name)
        {
            Description = description,
            HelpName = "URL",
            CustomParser = result =>
            {
                var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
                if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) && uri.Host.Length > 0)
                {
                    return uri;
                }

                result.AddError($"{name} must be an absolute http(s) URL such as http://127.0.0.1:5000, not '{text}'.");
                return null;
            },
        };
    }
}
