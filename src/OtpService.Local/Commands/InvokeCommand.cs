using System.Text;
using System.Text.Json;
using OtpService.Core.Otp;
using OtpService.Local.Emulators;
using OtpService.Local.Lambda;

namespace OtpService.Local.Commands;

/// <summary>
/// <c>invoke FUNCTION --event FILE</c>, like <c>sam local invoke</c>: one function, one event,
/// its response JSON on standard output (everything else on standard error, so the output pipes
/// into jq). If both emulators already answer on the ports (a running start-api), they are
/// used, so an invoked GenerateOtp's item is seen by that runner and mailed; otherwise they are
/// started on those ports for this call only and stopped after it.
/// </summary>
internal static class InvokeCommand
{
    private static readonly HttpClient Probe = new() { Timeout = TimeSpan.FromSeconds(2) };

    public static async Task<int> RunAsync(InvokeOptions options, TextReader input, TextWriter output, TextWriter errors, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(errors);
        var factory = LambdaFunctions.Find(options.Function);
        if (factory is null)
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
            await errors.WriteLineAsync($"Cannot read the event '{options.EventPath}': {e.Message}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        if (await LocalSettings.ReadAsync(errors).ConfigureAwait(false) is not { } settings)
        {
            return ExitCodes.Usage;
        }

        var dynamoUp = await DynaliteAnswersAsync(options.DynamoDbPort, cancellationToken).ConfigureAwait(false);
        var sesUp = await SesEmulatorAnswersAsync(options.SesPort, cancellationToken).ConfigureAwait(false);
        EmulatorHost? own = null;
        Uri dynamoEndpoint = new($"http://127.0.0.1:{options.DynamoDbPort}");
        Uri sesEndpoint = new($"http://127.0.0.1:{options.SesPort}");
        if (dynamoUp && sesUp)
        {
            await errors.WriteLineAsync($"Using the running emulators: DynamoDB {dynamoEndpoint}, SES {sesEndpoint}").ConfigureAwait(false);
        }
        else if (dynamoUp != sesUp)
        {
            await errors.WriteLineAsync(
                $"Only one emulator answers (DynamoDB on {options.DynamoDbPort}: {(dynamoUp ? "yes" : "no")}, SES on {options.SesPort}: {(sesUp ? "yes" : "no")}). "
                + "Stop it, or run start-api, or choose ports with --dynamodb-port/--ses-port.").ConfigureAwait(false);
            return ExitCodes.PortInUse;
        }
        else
        {
            try
            {
                own = await EmulatorHost.StartAsync(
                    new EmulatorOptions { DynamoDbPort = options.DynamoDbPort, SesPort = options.SesPort, Log = errors.WriteLine },
                    cancellationToken).ConfigureAwait(false);
            }
            catch (PortInUseException e)
            {
                await errors.WriteLineAsync(e.Message).ConfigureAwait(false);
                return ExitCodes.PortInUse;
            }
        }

        try
        {
            foreach (var note in LocalEnvironment.Apply(dynamoEndpoint, sesEndpoint))
            {
                await errors.WriteLineAsync(note).ConfigureAwait(false);
            }

            using (var client = LocalTable.CreateClient(dynamoEndpoint))
            {
                await LocalTable.CreateAsync(client, settings.TableName, cancellationToken).ConfigureAwait(false);
            }

            return await InvokeOnceAsync(factory, json, output, errors).ConfigureAwait(false);
        }
        finally
        {
            if (own is not null)
            {
                await own.StopAsync().ConfigureAwait(false);
            }
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
                $"{{\"errorType\":{JsonSerializer.Serialize(e.GetType().Name, Core.Contracts.LambdaJsonContext.Default.String)},"
                + $"\"errorMessage\":{JsonSerializer.Serialize(e.Message, Core.Contracts.LambdaJsonContext.Default.String)}}}").ConfigureAwait(false);
            await errors.WriteLineAsync(e.ToString()).ConfigureAwait(false);
            return ExitCodes.Failed;
        }
    }

    private static async Task<bool> DynaliteAnswersAsync(int port, CancellationToken cancellationToken)
    {
        if (Ports.IsFree(port))
        {
            return false;
        }

        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"http://127.0.0.1:{port}/"))
            {
                Content = new StringContent("{}", Encoding.UTF8),
            };
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-amz-json-1.0");
            request.Headers.TryAddWithoutValidation("X-Amz-Target", "DynamoDB_20120810.ListTables");
            request.Headers.TryAddWithoutValidation("X-Amz-Date", "20200101T000000Z");
            request.Headers.TryAddWithoutValidation("Authorization", "AWS4-HMAC-SHA256 Credential=local/20200101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0");
            using var response = await Probe.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            return body.Contains("TableNames", StringComparison.Ordinal) || body.Contains("com.amazon", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    private static async Task<bool> SesEmulatorAnswersAsync(int port, CancellationToken cancellationToken)
    {
        if (Ports.IsFree(port))
        {
            return false;
        }

        try
        {
            var body = await Probe.GetStringAsync(new Uri($"http://127.0.0.1:{port}/store"), cancellationToken).ConfigureAwait(false);
            return body.Contains("\"emails\"", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }
}
