namespace OtpService.Local.Emulators;

/// <summary>Where and how to run the emulators.</summary>
internal sealed record EmulatorOptions
{
    /// <summary>dynalite's port; DynamoDB Local's usual 8000 by default.</summary>
    public int DynamoDbPort { get; init; } = 8000;

    /// <summary>aws-ses-v2-local's port; its own default 8005.</summary>
    public int SesPort { get; init; } = 8005;

    /// <summary>dynalite keeps its LevelDB files here when set; in memory otherwise.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Progress messages (the first-run npm install); null for silence.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>Both on free ports chosen by the OS: for tests, which run in parallel with each other and with a runner.</summary>
    public static EmulatorOptions OnFreePorts() => new() { DynamoDbPort = Ports.FreePort(), SesPort = Ports.FreePort() };
}

/// <summary>
/// The one place that knows how to run the local emulators: dynalite (DynamoDB) and
/// aws-ses-v2-local (SES v2), both from the repository's pinned node_modules, on 127.0.0.1.
/// Used by the local runner, <c>invoke</c> and the integration tests.
/// </summary>
internal sealed class EmulatorHost : IAsyncDisposable
{
    public const string DynaliteCli = "node_modules/dynalite/cli.js";
    public const string SesCli = "node_modules/aws-ses-v2-local/dist/cli.js";

    private EmulatorHost(EmulatorProcess dynamoDb, EmulatorProcess ses)
    {
        DynamoDb = dynamoDb;
        Ses = ses;
    }

    public EmulatorProcess DynamoDb { get; }

    public EmulatorProcess Ses { get; }

    public Uri DynamoDbEndpoint => DynamoDb.Url;

    public Uri SesEndpoint => Ses.Url;

    /// <summary>
    /// Installs the pinned packages if needed, checks both ports are free (before starting
    /// either, so a busy port never leaves a half-started pair), then starts both and waits
    /// until they accept connections.
    /// </summary>
    /// <exception cref="PortInUseException">A port is taken; the message names it.</exception>
    public static async Task<EmulatorHost> StartAsync(EmulatorOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        Ports.EnsureFree(options.DynamoDbPort, "DynamoDB emulator, dynalite");
        Ports.EnsureFree(options.SesPort, "SES emulator, aws-ses-v2-local");

        var root = RepositoryRoot.Find();
        await NpmPackages.EnsureInstalledAsync(root, options.Log, cancellationToken).ConfigureAwait(false);

        List<string> dynaliteArgs = ["--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0"];
        if (options.DataDirectory is { } data)
        {
            var full = Path.GetFullPath(data);
            Directory.CreateDirectory(full);
            dynaliteArgs.AddRange(["--path", full]);
        }

        // Start both at once: each is a node cold start of a few hundred ms.
        var dynamoTask = EmulatorProcess.StartAsync("DynamoDB emulator, dynalite", root, DynaliteCli, options.DynamoDbPort, dynaliteArgs, cancellationToken);
        var sesTask = EmulatorProcess.StartAsync("SES emulator, aws-ses-v2-local", root, SesCli, options.SesPort, [], cancellationToken);
        try
        {
            await Task.WhenAll(dynamoTask, sesTask).ConfigureAwait(false);
        }
        catch
        {
            // One may have started; never leave it behind.
            foreach (var task in new[] { dynamoTask, sesTask })
            {
                if (task.IsCompletedSuccessfully)
                {
                    await task.Result.StopAsync().ConfigureAwait(false);
                }
            }

            throw;
        }

        return new EmulatorHost(dynamoTask.Result, sesTask.Result);
    }

    /// <summary>Process ids of both emulators (to check none is left after <see cref="StopAsync"/>).</summary>
    public IReadOnlyList<int> ProcessIds => [DynamoDb.Pid, Ses.Pid];

    public async Task StopAsync()
    {
        await Task.WhenAll(DynamoDb.StopAsync(), Ses.StopAsync()).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => new(StopAsync());
}
