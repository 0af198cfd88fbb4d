using OtpService.Core.Lambda;

namespace VerifyOtp;

/// <summary>
/// VerifyOtp as the runtime loop serves it (Program.cs in the managed executable; the Native AOT
/// bootstrap when _HANDLER is "VerifyOtp"): init builds <see cref="Function"/> from the environment
/// (keys included); before a SnapStart snapshot it warms the request paths without writing anything.
/// </summary>
public static class LambdaEntry
{
    public static LambdaFunction Function { get; } = new(nameof(VerifyOtp), Init);

    private static Func<Stream, Task<Stream>> Init(SnapshotHooks hooks, TimeProvider clock)
    {
        var services = OtpServices.FromEnvironment(clock);
        var function = new Function(services);
        hooks.RegisterBeforeSnapshot(async cancellationToken =>
        {
            // The JWKS (answered from the keys init loaded) and a verify whose address fails
            // validation (parsed, checked, answered 400, never reaching the store).
            await WarmUp.InvokeAsync(function.FunctionHandler, WarmUp.ApiEvent("GET", "/.well-known/jwks.json")).ConfigureAwait(false);
            await WarmUp.InvokeAsync(function.FunctionHandler, WarmUp.ApiEvent("POST", "/otp/verify", """{"email_address":"warm-up@-invalid-","otp":"000000"}""")).ConfigureAwait(false);
            // The read every verify starts with, for a key no address has.
            var store = services.CreateStore();
            await WarmUp.ReadAsync(token => store.LoadNewestAsync(WarmUp.ReservedAddress, token), Console.Error, services.Clock, cancellationToken).ConfigureAwait(false);
        });
        return function.FunctionHandler;
    }
}
