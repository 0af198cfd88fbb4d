using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using OtpService.Core.Otp;
using OtpService.Local.Api;
using OtpService.Local.Emulators;
using OtpService.Local.Lambda;
using OtpService.Local.Site;
using OtpService.Local.Streams;

namespace OtpService.Local.Commands;

/// <summary>
/// <c>start-api</c>, the default: emulators, table, the three functions in-process, the API on
/// Kestrel (127.0.0.1 only), stream delivery from the table to SendOtpEmail, and the sign-in page
/// on its own port.
/// </summary>
internal static class StartApiCommand
{
    /// <summary>The line tests and scripts wait for.</summary>
    public const string ReadyMarker = "Ready.";

    private static readonly TimeSpan LookInterval = TimeSpan.FromMilliseconds(250);

    public static async Task<int> RunAsync(StartApiOptions options, TextWriter output, TextWriter errors, CancellationToken shutdown)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(errors);
        var clock = Stopwatch.StartNew();

        if (await LocalSettings.ReadAsync(errors).ConfigureAwait(false) is not { } settings)
        {
            return ExitCodes.Usage;
        }

        // Every port before anything starts: a busy one is named and nothing is left half-started.
        foreach (var (port, what) in new[] { (options.Port, "API"), (options.SitePort, "sign-in page"), (options.DynamoDbPort, "DynamoDB emulator, dynalite"), (options.SesPort, "SES emulator, aws-ses-v2-local") })
        {
            if (!Ports.IsFree(port))
            {
                await errors.WriteLineAsync(new PortInUseException(port, what).Message + $" (--{PortOption(what)} chooses another)").ConfigureAwait(false);
                return ExitCodes.PortInUse;
            }
        }

        EmulatorHost emulators;
        try
        {
            emulators = await EmulatorHost.StartAsync(
                new EmulatorOptions { DynamoDbPort = options.DynamoDbPort, SesPort = options.SesPort, DataDirectory = options.DataDirectory, Log = output.WriteLine },
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
                return await ServeAsync(options, settings, emulators, output, errors, clock, shutdown).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
            {
                await output.WriteLineAsync("Stopped before ready.").ConfigureAwait(false);
                return ExitCodes.Ok;
            }
        }
    }

    private static async Task<int> ServeAsync(
        StartApiOptions options, OtpSettings settings, EmulatorHost emulators, TextWriter output, TextWriter errors, Stopwatch clock, CancellationToken shutdown)
    {
        var notes = LocalEnvironment.Apply(emulators.DynamoDbEndpoint, emulators.SesEndpoint, new Uri($"http://127.0.0.1:{options.Port.ToString(CultureInfo.InvariantCulture)}")).ToList();
        if (SiteHost.AllowPageOrigin(options.SitePort) is { } corsNote)
        {
            notes.Add(corsNote);
        }

        // The functions read OTP_CORS_ALLOWED_ORIGIN when they are built, below.
        settings = settings with { CorsAllowedOrigin = Environment.GetEnvironmentVariable("OTP_CORS_ALLOWED_ORIGIN") };
        using var dynamo = LocalTable.CreateClient(emulators.DynamoDbEndpoint);
        await LocalTable.CreateAsync(dynamo, settings.TableName, shutdown).ConfigureAwait(false);

        var pools = LambdaFunctions.Names.ToDictionary(n => n, n => new FunctionPool(n, LambdaFunctions.Find(n)!), StringComparer.Ordinal);
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

        var deliverer = new StreamDeliverer(pools[LambdaFunctions.SendOtpEmail], output);
        await using var deliveries = deliverer.ConfigureAwait(false);
        var records = new StreamRecordFactory(LocalEnvironment.Region, settings.TableName, [LocalTable.PartitionKey, LocalTable.SortKey]);
        var feed = new TableChangeFeed(dynamo, settings.TableName, [LocalTable.PartitionKey, LocalTable.SortKey], records, deliverer.Enqueue, LookInterval, output);
        await using var feeding = feed.ConfigureAwait(false);
        await feed.StartAsync(shutdown).ConfigureAwait(false);

        var proxy = new ApiProxy(pools, output)
        {
            Invoked = (route, _) =>
            {
                if (route.Function == LambdaFunctions.GenerateOtp)
                {
                    feed.Kick();
                }
            },
        };
        var api = new Uri($"http://127.0.0.1:{options.Port}/");
        var repository = RepositoryRoot.Find();
        var web = BuildWebApp(options.Port, proxy, OpenApiEndpoint.Load(repository, api), settings.CorsAllowedOrigin);
        await using var serving = web.ConfigureAwait(false);
        try
        {
            await web.StartAsync(shutdown).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or AddressInUseException)
        {
            await errors.WriteLineAsync(new PortInUseException(options.Port, "API").Message).ConfigureAwait(false);
            return ExitCodes.PortInUse;
        }

        SiteHost site;
        try
        {
            site = await SiteHost.StartAsync(options.SitePort, Path.Combine(repository, SiteHost.Folder), api, settings, shutdown).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or AddressInUseException)
        {
            await errors.WriteLineAsync(new PortInUseException(options.SitePort, "sign-in page").Message + " (--site-port chooses another)").ConfigureAwait(false);
            return ExitCodes.PortInUse;
        }

        await using var siteServing = site.ConfigureAwait(false);

        var storage = options.DataDirectory is null ? "in memory" : $"data in {Path.GetFullPath(options.DataDirectory)}";
        await output.WriteLineAsync($"""

            OtpService local runner
              Page      {site.Origin}   (sign-in page, site/; calls the API across origins)
              API       http://127.0.0.1:{options.Port}   GET|POST /otp/generate   GET|POST /otp/verify   GET /.well-known/jwks.json   GET /openapi.json
              Mail      {emulators.SesEndpoint}   (sent mail; JSON at /store)
              DynamoDB  {emulators.DynamoDbEndpoint}   (dynalite, {storage}; table {settings.TableName})
              Try       curl 'http://127.0.0.1:{options.Port}/otp/generate?email_address=you@example.com'
            """).ConfigureAwait(false);
        foreach (var note in notes)
        {
            await output.WriteLineAsync("  Note      " + note).ConfigureAwait(false);
        }

        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{ReadyMarker} Started in {clock.Elapsed.TotalSeconds:0.0} s. Ctrl+C stops everything.")).ConfigureAwait(false);

        try
        {
            await Task.Delay(Timeout.Infinite, shutdown).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C or SIGTERM.
        }

        await output.WriteLineAsync("Stopping ...").ConfigureAwait(false);
        using (var grace = new CancellationTokenSource(TimeSpan.FromSeconds(3)))
        {
            await site.StopAsync(grace.Token).ConfigureAwait(false);
            await web.StopAsync(grace.Token).ConfigureAwait(false);
        }

        // Mail for codes generated just before the stop still goes out, if the emulators are still up:
        // Ctrl+C in a terminal signals the whole process group, so node may already have exited.
        try
        {
            await feed.LookAsync(CancellationToken.None).ConfigureAwait(false);
            await deliverer.DrainAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or Amazon.Runtime.AmazonClientException or Amazon.Runtime.AmazonServiceException)
        {
            await errors.WriteLineAsync("Emulators already stopped (Ctrl+C reaches them too): skipped the last check for new mail.").ConfigureAwait(false);
        }

        await output.WriteLineAsync("Stopped.").ConfigureAwait(false);
        return ExitCodes.Ok;
    }

    private static WebApplication BuildWebApp(int port, ApiProxy proxy, OpenApiEndpoint description, string? corsOrigin)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "OtpService.Local" });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, port);
        });
        var app = builder.Build();
        app.Run(async context =>
        {
            if (!await description.TryServeAsync(context).ConfigureAwait(false)
                && !await PreflightStandIn.TryAnswerAsync(context, corsOrigin).ConfigureAwait(false))
            {
                await proxy.HandleAsync(context).ConfigureAwait(false);
            }
        });
        return app;
    }

    private static string PortOption(string what) => what switch
    {
        "API" => "port",
        "sign-in page" => "site-port",
        _ when what.StartsWith("DynamoDB", StringComparison.Ordinal) => "dynamodb-port",
        _ => "ses-port",
    };
}

/// <summary>The functions' settings from the environment, as Lambda would read them; a bad value is reported, not thrown.</summary>
internal static class LocalSettings
{
    public static async Task<OtpSettings?> ReadAsync(TextWriter errors)
    {
        try
        {
            return OtpSettings.FromEnvironment();
        }
        catch (InvalidOperationException e)
        {
            await errors.WriteLineAsync($"Configuration error: {e.Message}").ConfigureAwait(false);
            return null;
        }
    }
}

internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Usage = 2;
    public const int PortInUse = 3;
}
