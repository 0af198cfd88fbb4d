// provided.al2023 runs this as $LAMBDA_TASK_ROOT/bootstrap with AWS_LAMBDA_RUNTIME_API and _HANDLER
// set (template-aot.yaml: Handler GenerateOtp, VerifyOtp or SendOtpEmail): one binary, the same
// runtime loop as the managed executables, serving the function _HANDLER names.
return await OtpService.Core.Lambda.LambdaHost.RunAsync(
[
    GenerateOtp.LambdaEntry.Function,
    VerifyOtp.LambdaEntry.Function,
    SendOtpEmail.LambdaEntry.Function,
]).ConfigureAwait(false);
