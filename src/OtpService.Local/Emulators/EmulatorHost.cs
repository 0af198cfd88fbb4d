namespace OtpService.Local.Emulators;

/// <summary>
/// The one place that knows how to run the local emulators: dynalite (DynamoDB) and
/// aws-ses-v2-local (SES v2), both from the repository's pinned node_modules, on 127.0.0.1.
/// Used by the local runner, <c>invoke</c> and the integration tests. Starts only those asked for.
/// </summary>
internal sealed class EmulatorHost : IAsyncDisposable
{
    public const string DynaliteCli = "node_modules/dynalite/cli.js";
    public const string SesCli = "node_modules/aws-ses-v2-local/dist/cli.js";
    public const string DynaliteName = "DynamoDB emulator, dynalite";
    public const string SesName = "SES emulator, aws-ses-v2-local";

    private EmulatorHost(EmulatorProcess? dynamoDb, EmulatorProcess? ses)
    {
        DynamoDbProcess = dynamoDb;
        SesProcess = ses;
    }

    /// <summary>dynalite, when started.</summary>
    public EmulatorProcess? DynamoDbProcess { get; }

    /// <summary>aws-ses-v2-local, when started.</summary>
    public EmulatorProcess? SesProcess { get; }

    public EmulatorProcess DynamoDb => DynamoDbProcess ?? throw new InvalidOperationException("dynalite was not started.");

    public EmulatorProcess Ses => SesProcess ?? throw new InvalidOperationException("aws-ses-v2-local was not started.");

    public Uri DynamoDbEndpoint => DynamoDb.Url;

    public Uri SesEndpoint => Ses.Url;

    /// <summary>The emulators this host started.</summary>
    public IReadOnlyList<EmulatorProcess> Started => new[] { DynamoDbProcess, SesProcess }.OfType<EmulatorProcess>().ToList();

    /// <summary>
    /// Installs the pinned packages if needed, checks every port is free (all of them before
    /// starting any, so a busy port never leaves a half-started set, and one message names
    /// every busy port), then starts them and waits until they accept connections.
    /// </summary>
    /// <exception cref="PortInUseException">Ports are taken; the message names each.</exception>
    public static async Task<EmulatorHost> StartAsync(EmulatorOptions options, TimeProvider clock, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var wanted = new List<(int, string, string?)>();
        if (options.DynamoDbPort is { } d)
        {
            wanted.Add((d, DynaliteName, "--dynamodb-port"));
        }

        if (options.SesPort is { } s)
        {
            wanted.Add((s, SesName, "--ses-port"));
        }

        Ports.EnsureFree(wanted);
        if (wanted.Count == 0)
        {
            return new EmulatorHost(null, null);
        }

        var root = RepositoryRoot.Find();
        await NpmPackages.EnsureInstalledAsync(root, options.Log, clock, cancellationToken).ConfigureAwait(false);
        // Said before the wait, which on a loaded machine is seconds of node start-up.
        var starting = new[] { options.DynamoDbPort is null ? null : "dynalite (DynamoDB)", options.SesPort is null ? null : "aws-ses-v2-local (SES)" };
        options.Log?.Invoke($"Starting {string.Join(" and ", starting.OfType<string>())} ...");

        List<string> dynaliteArgs = ["--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0"];
        if (options.DataDirectory is { } data)
        {
            var full = Path.GetFullPath(data);
            Directory.CreateDirectory(full);
            dynaliteArgs.AddRange(["--path", full]);
        }

        // Start both at once: each is a node cold start of a few hundred ms.
        var dynamoTask = options.DynamoDbPort is { } dynamoPort
            ? EmulatorProcess.StartAsync(DynaliteName, root, DynaliteCli, dynamoPort, dynaliteArgs, clock, cancellationToken)
            : Task.FromResult<EmulatorProcess>(null!);
        var sesTask = options.SesPort is { } sesPort
            ? EmulatorProcess.StartAsync(SesName, root, SesCli, sesPort, [], clock, cancellationToken)
            : Task.FromResult<EmulatorProcess>(null!);
        try
        {
            await Task.WhenAll(dynamoTask, sesTask).ConfigureAwait(false);
        }
        catch
        {
            // One may have started; never leave it behind.
            foreach (var task in new[] { dynamoTask, sesTask })
            {
                if (task.IsCompletedSuccessfully && task.Result is { } started)
                {
                    await started.StopAsync().ConfigureAwait(false);
                }
            }

            throw;
        }

        return new EmulatorHost(dynamoTask.Result, sesTask.Result);
    }

    /// <summary>Process ids of the started emulators (to check none is left after <see cref="StopAsync"/>).</summary>
    public IReadOnlyList<int> ProcessIds => Started.Select(p => p.Pid).ToList();

    public async Task StopAsync()
    {
        await Task.WhenAll(Started.Select(p => p.StopAsync())).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => new(StopAsync());
}
