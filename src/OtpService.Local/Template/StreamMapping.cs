using OtpService.Local.Streams;

namespace OtpService.Local.Template;

/// <summary>
/// A DynamoDB stream event source mapping as template.yaml declares it. A negative
/// <see cref="MaximumRetryAttempts"/> or <see cref="MaximumRecordAgeInSeconds"/> is Lambda's -1: no limit.
/// </summary>
internal sealed record StreamMapping
{
    public required string FunctionLogicalId { get; init; }

    /// <summary>The runner's name for the function (SendOtpEmail).</summary>
    public required string FunctionName { get; init; }

    public required string EventName { get; init; }

    public int BatchSize { get; init; } = 100;

    public int MaximumRetryAttempts { get; init; } = -1;

    public int MaximumRecordAgeInSeconds { get; init; } = -1;

    public bool BisectBatchOnFunctionError { get; init; }

    public bool ReportBatchItemFailures { get; init; }

    public string StartingPosition { get; init; } = "LATEST";

    public EventFilter Filter { get; init; } = new([]);

    /// <summary>The on-failure destination's logical id (StreamFailureQueue), or null.</summary>
    public string? OnFailureDestination { get; init; }
}
