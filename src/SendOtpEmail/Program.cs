// The managed dotnet10 runtime runs this as `dotnet exec $LAMBDA_TASK_ROOT/SendOtpEmail.dll`
// (template.yaml: Handler SendOtpEmail), with AWS_LAMBDA_RUNTIME_API and _HANDLER set.
return await OtpService.Core.Lambda.LambdaHost.RunAsync(SendOtpEmail.LambdaEntry.Function).ConfigureAwait(false);
