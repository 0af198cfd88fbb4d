namespace OtpService.Core.Aws;

/// <summary>Where every key is configured, and whether this is Lambda (where development keys are refused).</summary>
/// <param name="Signing">The OTP signing key (<see cref="HmacKey.Signing"/>).</param>
/// <param name="Client">The client key (<see cref="HmacKey.Client"/>).</param>
/// <param name="Subject">The subject key (<see cref="HmacKey.Subject"/>).</param>
/// <param name="Token">The token-signing key.</param>
/// <param name="InLambda">AWS_LAMBDA_FUNCTION_NAME is set (Lambda sets it in every function; nothing else does).</param>
public sealed record KeySources(HmacKeySource Signing, HmacKeySource Client, HmacKeySource Subject, TokenKeySource Token, bool InLambda);
