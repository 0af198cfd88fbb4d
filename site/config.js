// Where the page finds the API, and what it expects of the service. Edit this one file when
// you host the page (docs/site.md). The local runner serves its own copy with its ports and
// settings filled in, so nothing here needs changing to try the page locally.
export default {
  // The API's base URL: API Gateway's stage URL (the stack's ApiBaseUrl output), no trailing slash.
  apiBaseUrl: 'http://127.0.0.1:3000',
  // OTP_RESEND_COOLDOWN_SECONDS: how long the "Send a new code" link waits after a code is sent.
  // If the API still refuses (429), the page counts down from its Retry-After instead.
  resendCooldownSeconds: 30,
  // OTP_LENGTH, to check a code before sending it; null accepts 6 to 10 digits.
  codeLength: null,
  // The signed token in verify's answer: where its public keys are (JWKS, RFC 7517) and the
  // issuer (iss) and audience (aud) the page accepts: the stack's OTP_TOKEN_ISSUER and
  // OTP_TOKEN_AUDIENCE. null: the JWKS under apiBaseUrl, the issuer apiBaseUrl, the audience
  // the issuer (the service's defaults).
  jwksUrl: null,
  issuer: null,
  audience: null,
};
