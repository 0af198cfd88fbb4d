using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Connections;
using OtpService.Local.Api;
using OtpService.Local.Emulators;
using OtpService.Local.Lambda;
using OtpService.Local.Site;
using OtpService.Local.Streams;
using OtpService.Local.Template;

namespace OtpService.Local.Commands;

/// <summary>
/// <c>start-api</c>, the default: the emulators it is not given endpoints for, the table as
/// template.yaml defines it, the three functions in-process, the API on Kestrel (127.0.0.1 only),
/// the table's stream delivered to SendOtpEmail as the template's event source mapping would
/// deliver it, and the sign-in page (site/) on its own port, a separate origin. Stops with a clear
/// message when a service it depends on is gone.
/// </summary>
internal static class StartApiCommand
{
    /// <summary>The line tests and scripts wait for.</summary>
    public const string ReadyMarker = "Ready.";

    public static async Task<int> RunAsync(StartApiOptions options, TextWriter output, TextWriter errors, TimeProvider clock, CancellationToken shutdown)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(errors);
        ArgumentNullException.ThrowIfNull(clock);
        var started = clock.GetTimestamp();

        // Before template.yaml's CorsAllowedOrigin and the functions' settings are read: they follow it.
        SiteHost.AllowPageOrigin(options.SitePort);
        if (await LocalSetup.ReadAsync(options.EnvVarsPath, errors).ConfigureAwait(false) is not { } setup)
        {
            return ExitCodes.Usage;
        }

        // Every port before anything starts: each busy one is named, and nothing is left half-started.
        var endpoints = options.Endpoints;
        var wanted = new List<(int, string, string?)> { (options.Port, "API", "--port"), (options.SitePort, "sign-in page", "--site-port") };
        if (endpoints.DynamoDb is null)
        {
            wanted.Add((options.DynamoDbPort ?? StartApiOptions.DefaultDynamoDbPort, "DynamoDB: dynalite behind the runner's stream", "--dynamodb-port"));
        }

        if (endpoints.Ses is null)
        {
            wanted.Add((options.SesPort, "SES: the runner's SES stand-in in front of aws-ses-v2-local", "--ses-port"));
        }

        try
        {
            Ports.EnsureFree(wanted);
        }
        catch (PortInUseException e)
        {
            await errors.WriteLineAsync(e.Message).ConfigureAwait(false);
            return ExitCodes.PortInUse;
        }

        var external = await LocalSetup.CheckEndpointsAsync(endpoints, errors, shutdown).ConfigureAwait(false);
        if (external is null)
        {
            return ExitCodes.Failed;
        }

        // dynalite and aws-ses-v2-local listen on private ports; the runner's proxies in front of them
        // take --dynamodb-port (the stream) and --ses-port (the SES stand-in).
        var taken = wanted.Select(w => w.Item1).ToList();
        int? privateDynamoDbPort = endpoints.DynamoDb is null ? Ports.FreePort(taken) : null;
        taken.AddRange(privateDynamoDbPort is { } d ? [d] : []);
        int? privateSesPort = endpoints.Ses is null ? Ports.FreePort(taken) : null;
        EmulatorHost emulators;
        try
        {
            emulators = await EmulatorHost.StartAsync(
                new EmulatorOptions
                {
                    DynamoDbPort = privateDynamoDbPort,
                    SesPort = privateSesPort,
                    DataDirectory = options.DataDirectory,
                    Log = output.WriteLine,
                },
                clock,
                shutdown).ConfigureAwait(false);
        }
        catch (PortInUseException e)
        {
            await errors.WriteLineAsync(e.Message).ConfigureAwait(false);
            return ExitCodes.PortInUse;
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            await errors.WriteLineAsync($"Cannot start the emulators: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Failed;
        }
        catch (OperationCanceledException)
        {
            return ExitCodes.Ok;
        }

        await using (emulators.ConfigureAwait(false))
        {
            try
            {
                return await ServeAsync(options, setup, external, emulators, output, errors, clock, started, shutdown).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
            {
                await output.WriteLineAsync("Stopped before ready.").ConfigureAwait(false);
                return ExitCodes.Ok;
            }
            catch (Exception e) when (e is Core.Rules.DependencyException or Amazon.Runtime.AmazonServiceException or Amazon.Runtime.AmazonClientException or HttpRequestException)
            {
                // Creating the table, verifying the sender or finding the stream failed: say which, and stop.
                await errors.WriteLineAsync($"Cannot set up the local service: {e.Message}").ConfigureAwait(false);
                return ExitCodes.Failed;
            }
        }
    }

    private static async Task<int> ServeAsync(
        StartApiOptions options, LocalSetup setup, ExternalServices external, EmulatorHost emulators, TextWriter output, TextWriter errors, TimeProvider clock, long started, CancellationToken shutdown)
    {
        var settings = setup.Settings;
        var dynamoUpstream = options.Endpoints.DynamoDb ?? emulators.DynamoDbEndpoint;
        // aws-ses-v2-local has no bounces and no suppression list: the runner's stand-in in front of it does.
        SesSuppressionStandIn? standIn = null;
        if (external.Mail is null)
        {
            try
            {
                standIn = await SesSuppressionStandIn.StartAsync(options.SesPort, emulators.SesEndpoint, options.BouncingAddresses, output.WriteLine, clock, shutdown).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or AddressInUseException)
            {
                await errors.WriteLineAsync(new PortInUseException([(options.SesPort, "SES stand-in", "--ses-port")]).Message).ConfigureAwait(false);
                return ExitCodes.PortInUse;
            }
        }

        await using var standingIn = (standIn ?? (IAsyncDisposable)NoOp.Instance).ConfigureAwait(false);
        var mail = external.Mail ?? new MailStore(standIn!.Endpoint, MailStoreKind.AwsSesV2Local);
        string? standInNote = null;
        if (standIn is not null)
        {
            standInNote = ($"SES is the runner's stand-in in front of aws-ses-v2-local's own {emulators.SesEndpoint}: it keeps SES's suppression list and answers bounces, which aws-ses-v2-local cannot (docs/local.md, \"Bounces and the suppression list\")"
                + (options.BouncingAddresses.Count == 0 ? "." : $"; bouncing: {string.Join(", ", options.BouncingAddresses)}."));
        }

        string? streamArn;
        using (var dynamo = LocalTable.CreateClient(dynamoUpstream))
        {
            streamArn = await LocalTable.CreateAsync(dynamo, settings.TableName, clock, shutdown, setup.Table).ConfigureAwait(false);
        }

        var mapping = setup.Mapping;
        var pools = LambdaFunctions.Names.ToDictionary(n => n, n => new FunctionPool(n, LambdaFunctions.Find(n, clock, setup.Environments.For(n))!), StringComparer.Ordinal);
        var deliverer = new StreamDeliverer(pools[mapping.FunctionName], mapping, output, clock);
        await using var deliveries = deliverer.ConfigureAwait(false);
        var records = new StreamRecordFactory(LocalEnvironment.Region, settings.TableName, setup.Table.KeyNames, clock, setup.Table.StreamViewType ?? "NEW_IMAGE");

        // With no stream in the emulator, the functions (and anything else) reach it through the
        // runner's proxy, which sees each write; with a stream, they talk to it directly. The proxy
        // takes --dynamodb-port; in front of an endpoint of the user's, without it, a port the OS
        // picks (never 8000 unasked: that is DynamoDB Local's own port). Started before the functions
        // are built, as they are pointed at it; instances are built only on first use.
        var observeWrites = streamArn is null;
        DynamoDbWriteObserver? observer = null;
        if (observeWrites)
        {
            var proxyPort = options.DynamoDbPort ?? (options.Endpoints.DynamoDb is null ? StartApiOptions.DefaultDynamoDbPort : 0);
            try
            {
                observer = await DynamoDbWriteObserver.StartAsync(proxyPort, dynamoUpstream, settings.TableName, setup.Table.KeyNames, records, deliverer.Enqueue, shutdown).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or AddressInUseException)
            {
                await errors.WriteLineAsync(options.Endpoints.DynamoDb is { } yours
                    ? $"{yours} has no DynamoDB Streams, so the runner observes writes through a proxy on --dynamodb-port {proxyPort}, which is in use. Choose another, or leave it out for a free one."
                    : new PortInUseException([(proxyPort, "DynamoDB", "--dynamodb-port")]).Message).ConfigureAwait(false);
                return ExitCodes.PortInUse;
            }
        }

        await using var observing = (observer ?? (IAsyncDisposable)NoOp.Instance).ConfigureAwait(false);
        var functionsDynamo = observer?.Endpoint ?? dynamoUpstream;
        var api = new Uri($"http://127.0.0.1:{options.Port.ToString(CultureInfo.InvariantCulture)}/");
        var notes = LocalEnvironment.Apply(functionsDynamo, mail.Endpoint, options.Endpoints, api).Concat(setup.Notes).ToList();
        if (standInNote is not null)
        {
            notes.Add(standInNote);
        }
        if (!observeWrites && options.DynamoDbPort is { } unused)
        {
            notes.Add($"--dynamodb-port {unused} is not opened: {dynamoUpstream} has DynamoDB Streams, so the functions use it directly.");
        }

        if (SiteHost.RefusedPageNote(options.SitePort, setup.Cors?.AllowOrigin, settings.CorsAllowedOrigin) is { } corsNote)
        {
            notes.Add(corsNote);
        }
        if (external.Mail is { Kind: not MailStoreKind.AwsSesV2Local } && setup.Environments.For(LambdaFunctions.SendOtpEmail)("OTP_SENDER_ADDRESS") is { } sender)
        {
            // moto and LocalStack refuse unverified senders, as SES does; an emulator verifies at once.
            await ServiceProbe.VerifySenderAsync(mail.Endpoint, sender, LocalEnvironment.Region, clock, shutdown).ConfigureAwait(false);
            notes.Add($"{sender} is now a verified SES identity in that emulator (SES refuses unverified senders).");
        }

        try
        {
            foreach (var pool in pools.Values)
            {
                pool.Warm();
            }
        }
#pragma warning disable CA1031 // A constructor failing (bad configuration) is reported and ends the run.
        catch (Exception e)
#pragma warning restore CA1031
        {
            await errors.WriteLineAsync($"A function failed to start (its cold start): {e.Message}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        DynamoDbStreamsPoller? poller = null;
        if (streamArn is not null)
        {
            // The emulator's own stream, read as the event source mapping reads it: one deliverer per shard.
            poller = new DynamoDbStreamsPoller(
                new DynamoDbStreamsApi(dynamoUpstream, LocalEnvironment.Region, clock), streamArn, mapping.StartingPosition,
                shard => new StreamDeliverer(pools[mapping.FunctionName], mapping, output, clock, shardId: shard), output, clock);
            await poller.StartAsync(shutdown).ConfigureAwait(false);
        }

        await using var polling = (poller ?? (IAsyncDisposable)NoOp.Instance).ConfigureAwait(false);
        var repository = RepositoryRoot.Find();
        var web = BuildWebApp(options.Port, new ApiProxy(pools, output, clock, setup.Cors, setup.Template.GatewayResponses(), LambdaFunctions.Names.ToDictionary(n => n, setup.Template.FunctionTimeout, StringComparer.Ordinal)), OpenApiEndpoint.Load(repository, api));
        await using var serving = web.ConfigureAwait(false);
        try
        {
            await web.StartAsync(shutdown).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or AddressInUseException)
        {
            await errors.WriteLineAsync(new PortInUseException([(options.Port, "API", "--port")]).Message).ConfigureAwait(false);
            return ExitCodes.PortInUse;
        }

        SiteHost site;
        try
        {
            site = await SiteHost.StartAsync(options.SitePort, Path.Combine(repository, SiteHost.Folder), api, setup.Settings, setup.Environments.For(LambdaFunctions.VerifyOtp), shutdown).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or AddressInUseException)
        {
            await errors.WriteLineAsync(new PortInUseException([(options.SitePort, "sign-in page", "--site-port")]).Message).ConfigureAwait(false);
            return ExitCodes.PortInUse;
        }

        await using var siteServing = site.ConfigureAwait(false);
        var watch = new ServiceWatch(emulators.Started, external.Watched);
        await using var watching = watch.ConfigureAwait(false);
        var storage = options.DataDirectory is null ? "in memory" : $"data in {Path.GetFullPath(options.DataDirectory)}";
        var dynamoLine = options.Endpoints.DynamoDb is null
            ? $"{functionsDynamo}   (dynalite, {storage}; table {settings.TableName}; through the runner's stream proxy to dynalite's own {dynamoUpstream})"
            : observeWrites
                ? $"{functionsDynamo}   (the runner's stream proxy to yours at {dynamoUpstream}, which has no streams; table {settings.TableName})"
                : $"{dynamoUpstream}   (yours; table {settings.TableName}, stream {streamArn})";
        var streamLine = observeWrites
            ? $"the runner observes writes through {functionsDynamo} (writes straight to {dynamoUpstream} are not seen)"
            : "read from the emulator's DynamoDB Streams API";

        // Every port the runner and the emulators it started listen on, so what it opens is never a surprise.
        List<(int Port, string What)> opened = [(options.Port, "API"), (site.Origin.Port, "page")];
        if (observer is not null)
        {
            opened.Add((observer.Port, "DynamoDB stream proxy"));
        }

        if (standIn is not null)
        {
            opened.Add((standIn.Port, "SES stand-in"));
        }

        opened.AddRange(emulators.Started.Select(e => (e.Url.Port, e == emulators.DynamoDbProcess ? "dynalite" : "aws-ses-v2-local")));
        var portsLine = string.Join(", ", opened.Select(o => $"{o.Port} {o.What}")) + " (127.0.0.1 only; nothing else)";
        await output.WriteLineAsync($"""

            OtpService local runner
              Page      {site.Origin}   (sign-in page, site/; calls the API across origins)
              API       http://127.0.0.1:{options.Port}   GET|POST /otp/generate   GET|POST /otp/verify   GET /.well-known/jwks.json   GET /openapi.json
              Mail      {mail.Where}
              DynamoDB  {dynamoLine}
              Stream    {streamLine}; to {mapping.FunctionName} as template.yaml maps it: {Describe(mapping)}
              Ports     {portsLine}
              Try       curl 'http://127.0.0.1:{options.Port}/otp/generate?email_address=you@example.com'
            """).ConfigureAwait(false);
        foreach (var (name, endpoint) in external.Others)
        {
            await output.WriteLineAsync($"  {name,-9} {endpoint}   (yours)").ConfigureAwait(false);
        }

        foreach (var note in notes)
        {
            await output.WriteLineAsync("  Note      " + note).ConfigureAwait(false);
        }

        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{ReadyMarker} Started in {clock.GetElapsedTime(started).TotalSeconds:0.0} s. Ctrl+C stops everything.")).ConfigureAwait(false);

        // Whichever comes first: the runner's own Ctrl+C / SIGTERM, an emulator ended by one (the same
        // stop reaching it first: the signals of a process group arrive in no set order, and a runner
        // started in the background by a shell ignores SIGINT, as .NET keeps an ignored signal ignored,
        // while node does not), or a service that is gone (exit 4).
        var stopped = Task.Delay(Timeout.Infinite, shutdown);
        var first = await Task.WhenAny(stopped, watch.StopRequested, watch.Failed).ConfigureAwait(false);
        string? failure = first == watch.Failed ? await watch.Failed.ConfigureAwait(false) : null;
        if (failure is not null)
        {
            await errors.WriteLineAsync($"{failure}{Environment.NewLine}Stopping the runner.").ConfigureAwait(false);
        }
        else if (first == watch.StopRequested)
        {
            await output.WriteLineAsync(await watch.StopRequested.ConfigureAwait(false)).ConfigureAwait(false);
        }

        await output.WriteLineAsync("Stopping ...").ConfigureAwait(false);
        using (var grace = new CancellationTokenSource(TimeSpan.FromSeconds(3)))
        {
            await site.StopAsync(grace.Token).ConfigureAwait(false);
            await web.StopAsync(grace.Token).ConfigureAwait(false);
        }

        // Mail for codes generated just before the stop still goes out, if SES is still up
        // (Ctrl+C in a terminal signals the whole process group, so node may already have exited).
        if (failure is null)
        {
            var drained = await deliverer.DrainAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false)
                & (poller is null || await poller.DrainAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false));
            if (!drained)
            {
                await errors.WriteLineAsync($"{deliverer.Pending + (poller?.Pending ?? 0)} stream record(s) not delivered before the stop.").ConfigureAwait(false);
            }
        }

        await output.WriteLineAsync("Stopped.").ConfigureAwait(false);
        return failure is null ? ExitCodes.Ok : ExitCodes.ServiceDown;
    }

    private static string Describe(StreamMapping mapping)
    {
        var retries = mapping.MaximumRetryAttempts < 0 ? "retries without limit" : $"{mapping.MaximumRetryAttempts} retries";
        var filters = mapping.Filter.Count == 0 ? "no filter" : $"{mapping.Filter.Count} filter(s)";
        return $"{filters}, batches of {mapping.BatchSize}, {retries}";
    }

    private static WebApplication BuildWebApp(int port, ApiProxy proxy, OpenApiEndpoint description)
    {
        var builder = LocalWebHost.CreateBuilder(new WebApplicationOptions { ApplicationName = "OtpService.Local" });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;

            // Past API Gateway's own limits, so the proxy answers over-long requests in API Gateway's
            // shape; beyond these Kestrel answers by itself (empty 414/431).
            kestrel.Limits.MaxRequestLineSize = 64 * 1024;
            kestrel.Limits.MaxRequestBodySize = ApiProxy.MaxBodyBytes;

            // Header bytes past ASCII reach the function as ISO-8859-1 characters (RFC 9110 section 5.5:
            // opaque octets), so it answers them; Kestrel's default, ASCII only, answers an empty 400 itself.
            kestrel.RequestHeaderEncodingSelector = _ => System.Text.Encoding.Latin1;
            kestrel.Listen(IPAddress.Loopback, port);
        });
        var app = builder.Build();
        app.Run(async context =>
        {
            if (!await description.TryServeAsync(context).ConfigureAwait(false))
            {
                await proxy.HandleAsync(context).ConfigureAwait(false);
            }
        });
        return app;
    }

    private sealed class NoOp : IAsyncDisposable
    {
        public static readonly NoOp Instance = new();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
