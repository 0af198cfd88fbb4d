// The managed dotnet10 runtime runs this as `dotnet exec $LAMBDA_TASK_ROOT/VerifyOtp.dll`
// (template.yaml: Handler VerifyOtp), with AWS_LAMBDA_RUNTIME_API and _HANDLER set.
return await OtpService.Core.Lambda.LambdaHost.RunAsync(VerifyOtp.LambdaEntry.Function).ConfigureAwait(false);
