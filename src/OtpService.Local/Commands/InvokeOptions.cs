namespace OtpService.Local.Commands;

internal sealed record InvokeOptions(string Function) : Command
{
    /// <summary>A file, "-" for standard input, or null for an empty event <c>{}</c>.</summary>
    public string? EventPath { get; init; }

    public int DynamoDbPort { get; init; } = 8000;

    public int SesPort { get; init; } = 8005;

    public string? EnvVarsPath { get; init; }

    public ServiceEndpoints Endpoints { get; init; } = new();
}
