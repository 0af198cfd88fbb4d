using System.Text;
using System.Text.Json;
using OtpService.Local.Emulators;
using OtpService.Local.Lambda;

namespace OtpService.Local.Commands;

/// <summary>
/// <c>invoke FUNCTION --event FILE</c>, like <c>sam local invoke</c>: one function, one event,
/// its response JSON on standard output (everything else on standard error, so the output pipes
/// into jq). Each service comes from the endpoint the user gave, else from an emulator already
/// answering on its port (a running start-api: an invoked GenerateOtp's item is then seen by that
/// runner and mailed), else from an emulator started on that port for this call only.
/// </summary>
internal static class InvokeCommand
{
    public static async Task<int> RunAsync(InvokeOptions options, TextReader input, TextWriter output, TextWriter errors, TimeProvider clock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(errors);
        if (LambdaFunctions.Find(options.Function, clock) is null)
        {
            await errors.WriteLineAsync($"Unknown function '{options.Function}'. Known: {string.Join(", ", LambdaFunctions.Names)}.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        string json;
        try
        {
            json = options.EventPath switch
            {
                null => "{}",
                "-" => await input.ReadToEndAsync(cancellationToken).ConfigureAwait(false),
                var path => await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false),
            };
            using var _ = JsonDocument.Parse(json);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            var where = options.EventPath is null or "-" ? "" : $" ({Path.GetFullPath(options.EventPath)})";
            await errors.WriteLineAsync($"Cannot read the event '{options.EventPath}'{where}: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        if (await LocalSetup.ReadAsync(options.EnvVarsPath, errors).ConfigureAwait(false) is not { } setup)
        {
            return ExitCodes.Usage;
        }

        if (await LocalSetup.CheckEndpointsAsync(options.Endpoints, errors, cancellationToken).ConfigureAwait(false) is not { } external)
        {
            return ExitCodes.Failed;
        }

        // Each local port: an emulator already there is used, a free port gets one, anything else is a clash.
        var dynamoEndpoint = options.Endpoints.DynamoDb ?? new Uri($"http://127.0.0.1:{options.DynamoDbPort}");
        var mail = external.Mail ?? new MailStore(new Uri($"http://127.0.0.1:{options.SesPort}"), MailStoreKind.AwsSesV2Local);
        int? startDynamo = null, startSes = null;
        var busy = new List<(int, string, string?)>();
        if (options.Endpoints.DynamoDb is null && !await ServiceProbe.DynamoDbAnswersAsync(dynamoEndpoint, cancellationToken).ConfigureAwait(false))
        {
            if (Ports.IsFree(options.DynamoDbPort))
            {
                startDynamo = options.DynamoDbPort;
            }
            else
            {
                busy.Add((options.DynamoDbPort, "taken by something that is not DynamoDB", "--dynamodb-port or --dynamodb-endpoint"));
            }
        }

        if (options.Endpoints.Ses is null)
        {
            var found = await ServiceProbe.SesAsync(mail.Endpoint, cancellationToken).ConfigureAwait(false);
            if (found is null)
            {
                startSes = options.SesPort;
            }
            else if (found.Kind != MailStoreKind.AwsSesV2Local)
            {
                busy.Add((options.SesPort, "taken by something that is not aws-ses-v2-local", "--ses-port or --ses-endpoint"));
            }
        }

        if (busy.Count > 0)
        {
            await errors.WriteLineAsync(new PortInUseException(busy).Message).ConfigureAwait(false);
            return ExitCodes.PortInUse;
        }

        await errors.WriteLineAsync(
            $"DynamoDB {dynamoEndpoint} ({(startDynamo is null ? "running" : "starting dynalite for this call")}), "
            + $"SES {mail.Endpoint} ({(startSes is null ? "running" : "starting aws-ses-v2-local for this call")}); mail: {mail.Where}").ConfigureAwait(false);
        EmulatorHost own;
        try
        {
            own = await EmulatorHost.StartAsync(new EmulatorOptions { DynamoDbPort = startDynamo, SesPort = startSes, Log = errors.WriteLine }, clock, cancellationToken).ConfigureAwait(false);
        }
        catch (PortInUseException e)
        {
            await errors.WriteLineAsync(e.Message).ConfigureAwait(false);
            return ExitCodes.PortInUse;
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            // As start-api says it: one line, no stack trace (e.g. an emulator not listening in time on a loaded machine).
            await errors.WriteLineAsync($"Cannot start the emulators: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Failed;
        }

        await using (own.ConfigureAwait(false))
        {
            foreach (var note in LocalEnvironment.Apply(dynamoEndpoint, mail.Endpoint, options.Endpoints).Concat(setup.Notes))
            {
                await errors.WriteLineAsync(note).ConfigureAwait(false);
            }

            try
            {
                using (var client = LocalTable.CreateClient(dynamoEndpoint))
                {
                    await LocalTable.CreateAsync(client, setup.Settings.TableName, clock, cancellationToken, setup.Table).ConfigureAwait(false);
                }

                if (external.Mail is { Kind: not MailStoreKind.AwsSesV2Local } && setup.Environments.For(LambdaFunctions.SendOtpEmail)("OTP_SENDER_ADDRESS") is { } sender)
                {
                    await ServiceProbe.VerifySenderAsync(mail.Endpoint, sender, LocalEnvironment.Region, clock, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is Core.Rules.DependencyException or Amazon.Runtime.AmazonServiceException or Amazon.Runtime.AmazonClientException or HttpRequestException)
            {
                await errors.WriteLineAsync($"Cannot set up the table or the sender: {e.Message}").ConfigureAwait(false);
                return ExitCodes.Failed;
            }

            return await InvokeOnceAsync(LambdaFunctions.Find(options.Function, clock, setup.Environments.For(options.Function))!, json, output, errors).ConfigureAwait(false);
        }
    }

    private static async Task<int> InvokeOnceAsync(Func<LambdaHandler> factory, string json, TextWriter output, TextWriter errors)
    {
        try
        {
            var handler = factory();
            using var input = new MemoryStream(Encoding.UTF8.GetBytes(json));
            using var result = await handler(input).ConfigureAwait(false);
            using var reader = new StreamReader(result, Encoding.UTF8);
            await output.WriteLineAsync(await reader.ReadToEndAsync().ConfigureAwait(false)).ConfigureAwait(false);
            return ExitCodes.Ok;
        }
#pragma warning disable CA1031 // Reported like Lambda reports a function error.
        catch (Exception e)
#pragma warning restore CA1031
        {
            await output.WriteLineAsync(
                $"{{\"errorType\":{JsonSerializer.Serialize(e.GetType().Name, Core.Lambda.LambdaJsonContext.Default.String)},"
                + $"\"errorMessage\":{JsonSerializer.Serialize(e.Message, Core.Lambda.LambdaJsonContext.Default.String)}}}").ConfigureAwait(false);
            await errors.WriteLineAsync(e.ToString()).ConfigureAwait(false);
            return ExitCodes.Failed;
        }
    }
}
