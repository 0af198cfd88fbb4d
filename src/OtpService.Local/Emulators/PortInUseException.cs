namespace OtpService.Local.Emulators;

/// <summary>Ports the local runner or an emulator needs are taken by other processes; the message lists every one.</summary>
internal sealed class PortInUseException(IReadOnlyList<(int Port, string Purpose, string? Option)> busy)
    : InvalidOperationException(Describe(busy))
{
    public IReadOnlyList<int> Ports { get; } = busy.Select(b => b.Port).ToList();

    private static string Describe(IReadOnlyList<(int Port, string Purpose, string? Option)> busy)
    {
        var lines = busy.Select(b => $"  {b.Port} ({b.Purpose}){(b.Option is null ? "" : $": {b.Option} chooses another")}");
        return busy.Count == 1
            ? $"Port {busy[0].Port} ({busy[0].Purpose}) is already in use on 127.0.0.1. Stop what uses it, or choose another port{(busy[0].Option is null ? "" : $" ({busy[0].Option})")}."
            : $"{busy.Count} ports are already in use on 127.0.0.1; stop what uses them, or choose others:{Environment.NewLine}{string.Join(Environment.NewLine, lines)}";
    }
}
