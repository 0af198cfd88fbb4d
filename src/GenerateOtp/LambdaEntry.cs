using OtpService.Core.Lambda;

namespace GenerateOtp;

/// <summary>
/// GenerateOtp as the runtime loop serves it (Program.cs in the managed executable; the Native AOT
/// bootstrap when _HANDLER is "GenerateOtp"): init builds <see cref="Function"/> from the
/// environment; before a SnapStart snapshot it warms the request path without writing anything.
/// </summary>
public static class LambdaEntry
{
    public static LambdaFunction Function { get; } = new(nameof(GenerateOtp), Init);

    private static Func<Stream, Task<Stream>> Init(SnapshotHooks hooks, TimeProvider clock)
    {
        var services = OtpServices.FromEnvironment(clock);
        var function = new Function(services);
        hooks.RegisterBeforeSnapshot(async cancellationToken =>
        {
            // An address that fails validation: the event is parsed, the address rule runs (IDNA
            // included), the 400 and its log line are written, and the store is never reached.
            await WarmUp.InvokeAsync(function.FunctionHandler, WarmUp.ApiEvent("POST", "/otp/generate", """{"email_address":"warm-up@-invalid-"}""")).ConfigureAwait(false);
            // The read every generate starts with, for a key no address has.
            var store = services.CreateStore();
            await WarmUp.ReadAsync(token => store.LoadAddressAsync(WarmUp.ReservedAddress, token), Console.Error, services.Clock, cancellationToken).ConfigureAwait(false);
        });
        return function.FunctionHandler;
    }
}
