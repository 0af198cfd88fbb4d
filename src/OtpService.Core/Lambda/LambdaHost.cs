using OtpService.Core.Aws;

namespace OtpService.Core.Lambda;

/// <summary>
/// The <c>Main</c> of every deployed form: reads Lambda's environment, connects to the Runtime API
/// and runs <see cref="LambdaRuntime"/>. The managed executables (GenerateOtp.dll, VerifyOtp.dll,
/// SendOtpEmail.dll: the dotnet10 runtime's bootstrap.sh runs <c>dotnet exec $LAMBDA_TASK_ROOT/&lt;Handler&gt;.dll</c>
/// for a Handler without "::") each serve one function; the Native AOT <c>bootstrap</c>
/// (provided.al2023) serves the one <c>_HANDLER</c> names. It chooses the program's one clock,
/// the system's: every part that reads the time is given it from here (the local runner's Program
/// chooses it there).
/// </summary>
public static class LambdaHost
{
    /// <summary>host:port of the Runtime API; Lambda sets it.</summary>
    public const string RuntimeApiVariable = "AWS_LAMBDA_RUNTIME_API";

    /// <summary>The function's Handler setting; Lambda sets it.</summary>
    public const string HandlerVariable = "_HANDLER";

    /// <summary>The table every function uses; required under a Runtime API.</summary>
    public const string TableNameVariable = "OTP_TABLE_NAME";

    /// <summary>A managed executable's Main: serves <paramref name="function"/>; a <c>_HANDLER</c> that names another is refused at init.</summary>
    public static Task<int> RunAsync(LambdaFunction function)
    {
        ArgumentNullException.ThrowIfNull(function);
        return RunAsync([function], handlerMayBeUnset: true);
    }

    /// <summary>The Native AOT bootstrap's Main: serves the one of <paramref name="functions"/> that <c>_HANDLER</c> names.</summary>
    public static Task<int> RunAsync(IReadOnlyList<LambdaFunction> functions) => RunAsync(functions, handlerMayBeUnset: false);

    private static async Task<int> RunAsync(IReadOnlyList<LambdaFunction> functions, bool handlerMayBeUnset)
    {
        var runtimeApi = ServiceConfiguration.ProcessEnvironment(RuntimeApiVariable);
        if (string.IsNullOrEmpty(runtimeApi))
        {
            await Console.Error.WriteLineAsync($"{RuntimeApiVariable} is not set: this program runs inside Lambda (or against a Runtime API emulator, such as `sam local invoke`).").ConfigureAwait(false);
            return 2;
        }

        using var client = new RuntimeApiClient(runtimeApi);
        var snapStart = ServiceConfiguration.ProcessEnvironment(LambdaRuntime.InitializationTypeVariable) == LambdaRuntime.SnapStartInitialization;
        var clock = TimeProvider.System;
        return await LambdaRuntime.RunAsync(client, hooks => Init(functions, ServiceConfiguration.ProcessEnvironment, handlerMayBeUnset, hooks, clock), Console.Error, snapStart, clock, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>
    /// Picks the function <c>_HANDLER</c> names, checks what every function needs in Lambda, registers
    /// what every restored copy must do first, and runs the function's init.
    /// </summary>
    /// <exception cref="UnknownHandlerException"><c>_HANDLER</c> names none of <paramref name="functions"/>.</exception>
    /// <exception cref="InvalidOperationException">OTP_TABLE_NAME is not set.</exception>
    internal static Func<Stream, Task<Stream>> Init(IReadOnlyList<LambdaFunction> functions, Func<string, string?> environment, bool handlerMayBeUnset, SnapshotHooks hooks, TimeProvider clock)
    {
        var handler = environment(HandlerVariable);
        var function = handlerMayBeUnset && string.IsNullOrWhiteSpace(handler) && functions.Count == 1
            ? functions[0]
            : LambdaFunction.Pick(handler, functions);
        // Outside Lambda the table defaults to otp_holder (the seed's); in Lambda a missing name
        // means a broken deployment, and the default could be another stack's table.
        if (string.IsNullOrWhiteSpace(environment(TableNameVariable)))
        {
            throw new InvalidOperationException($"{TableNameVariable} must be set to the table's name in Lambda (template.yaml sets it from the stack's table).");
        }

        // First after a restore: no AWS call may go out on a connection pooled before the snapshot.
        hooks.RegisterAfterRestore(_ =>
        {
            AwsConnections.Renew();
            return Task.CompletedTask;
        });
        return function.Init(hooks, clock);
    }
}
