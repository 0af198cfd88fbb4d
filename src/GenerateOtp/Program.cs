// The managed dotnet10 runtime runs this as `dotnet exec $LAMBDA_TASK_ROOT/GenerateOtp.dll`
// (template.yaml: Handler GenerateOtp), with AWS_LAMBDA_RUNTIME_API and _HANDLER set.
return await OtpService.Core.Lambda.LambdaHost.RunAsync(GenerateOtp.LambdaEntry.Function).ConfigureAwait(false);
