using OtpService.Bootstrap;

// provided.al2023 runs this as /var/task/bootstrap with AWS_LAMBDA_RUNTIME_API and _HANDLER set.
var runtimeApi = Environment.GetEnvironmentVariable("AWS_LAMBDA_RUNTIME_API");
if (string.IsNullOrEmpty(runtimeApi))
{
    await Console.Error.WriteLineAsync("AWS_LAMBDA_RUNTIME_API is not set: this bootstrap runs inside Lambda (or a Runtime API emulator).").ConfigureAwait(false);
    return 2;
}

using var client = new RuntimeApiClient(runtimeApi);
var handler = Environment.GetEnvironmentVariable("_HANDLER");
return await LambdaLoop.RunAsync(client, () => Handlers.Create(handler), Console.Error, CancellationToken.None).ConfigureAwait(false);
