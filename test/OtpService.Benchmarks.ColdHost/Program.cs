using System.Reflection;

using OtpService.Benchmarks.ColdHost;

// Usage: ColdHost <Assembly::Namespace.Type::Method> <event.json> [--hold] [--runtime-console]
// Prints the handler's answer as one line on stdout. With --hold it then waits until stdin
// closes, so the benchmark can read this process's peak memory (/proc/PID/status VmHWM).
// With --runtime-console, Console.Out is first wrapped as the managed runtime wraps it under
// LogFormat Text (every WriteLine prefixed), and the host writes one control line through it.
if (args.Length < 2)
{
    await Console.Error.WriteLineAsync("usage: ColdHost <Assembly::Type::Method> <event.json> [--hold] [--runtime-console]").ConfigureAwait(false);
    return 2;
}

if (args.Contains("--runtime-console"))
{
    RuntimeSupportConsole.Install("11111111-2222-3333-4444-555555555555");
    Console.WriteLine("host control line");
}

var handler = LoadHandler(args[0]);
var input = File.OpenRead(args[1]);
await using (input.ConfigureAwait(false))
{
    var output = await handler(input).ConfigureAwait(false);
    var stdout = Console.OpenStandardOutput();
    await using (stdout.ConfigureAwait(false))
    {
        await output.CopyToAsync(stdout).ConfigureAwait(false);
        await stdout.WriteAsync("\n"u8.ToArray()).ConfigureAwait(false);
        await stdout.FlushAsync().ConfigureAwait(false);
    }
}

if (args.Contains("--hold"))
{
    await Console.In.ReadToEndAsync().ConfigureAwait(false);
}

return 0;

// As the managed runtime does: load the assembly, make the type with its parameterless
// constructor (the function's init), bind the Stream -> Task<Stream> method.
static Func<Stream, Task<Stream>> LoadHandler(string handlerString)
{
    var parts = handlerString.Split("::");
    if (parts.Length != 3)
    {
        throw new ArgumentException($"Handler '{handlerString}' is not Assembly::Type::Method.", nameof(handlerString));
    }

    var type = Assembly.Load(parts[0]).GetType(parts[1], throwOnError: true)!;
    var instance = Activator.CreateInstance(type)!;
    var method = type.GetMethod(parts[2], [typeof(Stream)])
        ?? throw new ArgumentException($"{parts[1]} has no {parts[2]}(Stream).", nameof(handlerString));
    return method.CreateDelegate<Func<Stream, Task<Stream>>>(instance);
}
