namespace OtpService.Local.Emulators;

/// <summary>Which emulators to run, where, and how.</summary>
internal sealed record EmulatorOptions
{
    /// <summary>dynalite's port; null: do not start it (an endpoint of the user's is used).</summary>
    public int? DynamoDbPort { get; init; } = 8000;

    /// <summary>aws-ses-v2-local's port; null: do not start it.</summary>
    public int? SesPort { get; init; } = 8005;

    /// <summary>dynalite keeps its LevelDB files here when set; in memory otherwise.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Progress messages (the first-run npm install); null for silence.</summary>
    public Action<string>? Log { get; init; }
}
