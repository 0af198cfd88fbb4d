namespace OtpService.Local.Commands;

internal sealed record StartApiOptions : Command
{
    public int Port { get; init; } = 3000;

    /// <summary>The sign-in page's port: its own origin, so the page's calls to the API cross origins (CORS) as in production.</summary>
    public int SitePort { get; init; } = 3001;

    /// <summary>The default of <see cref="DynamoDbPort"/> in front of dynalite (DynamoDB Local's usual port).</summary>
    public const int DefaultDynamoDbPort = 8000;

    /// <summary>
    /// --dynamodb-port, or null when not given. It is the runner's stream proxy: in front of dynalite
    /// (then <see cref="DefaultDynamoDbPort"/> when not given), or, with a DynamoDB endpoint that has no
    /// streams, in front of it (then a port the OS picks); never opened for an endpoint with streams.
    /// </summary>
    public int? DynamoDbPort { get; init; }

    public int SesPort { get; init; } = 8005;

    public string? DataDirectory { get; init; }

    /// <summary>A <c>sam local invoke --env-vars</c> file, or null.</summary>
    public string? EnvVarsPath { get; init; }

    public ServiceEndpoints Endpoints { get; init; } = new();
}
