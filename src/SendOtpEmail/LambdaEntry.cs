using OtpService.Core.Lambda;

namespace SendOtpEmail;

/// <summary>
/// SendOtpEmail as the runtime loop serves it (Program.cs in the managed executable; the Native AOT
/// bootstrap when _HANDLER is "SendOtpEmail"): init builds <see cref="Function"/> from the
/// environment; before a SnapStart snapshot it warms the batch path without mailing anything.
/// </summary>
public static class LambdaEntry
{
    /// <summary>A stream batch whose one record is an address record's INSERT (no NONCE): parsed in full, then ignored.</summary>
    private const string IgnoredBatch = """
        {"Records":[{"eventID":"snapstart-warm-up","eventName":"INSERT","eventVersion":"1.1","eventSource":"aws:dynamodb","awsRegion":"us-east-1",
        "dynamodb":{"ApproximateCreationDateTime":0,"Keys":{"email_id":{"S":"snapstart-warm-up"},"EXPIRATION_TIME":{"N":"0"}},
        "NewImage":{"email_id":{"S":"snapstart-warm-up"},"EXPIRATION_TIME":{"N":"0"},"VERSION":{"N":"0"}},
        "SequenceNumber":"0","SizeBytes":1,"StreamViewType":"NEW_IMAGE"},"eventSourceARN":"arn:aws:dynamodb:us-east-1:000000000000:table/warm-up/stream/0"}]}
        """;

    public static LambdaFunction Function { get; } = new(nameof(SendOtpEmail), Init);

    private static Func<Stream, Task<Stream>> Init(SnapshotHooks hooks, TimeProvider clock)
    {
        var services = OtpServices.FromEnvironment(clock);
        var function = new Function(services);
        hooks.RegisterBeforeSnapshot(async cancellationToken =>
        {
            await WarmUp.InvokeAsync(function.FunctionHandler, IgnoredBatch).ConfigureAwait(false);
            // The read every mail starts with (the code item), for a key no address has.
            var store = services.CreateStore();
            await WarmUp.ReadAsync(token => store.GetAsync(WarmUp.ReservedAddress, 0, token), Console.Error, services.Clock, cancellationToken).ConfigureAwait(false);
        });
        return function.FunctionHandler;
    }
}
