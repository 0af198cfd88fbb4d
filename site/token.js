// Checks verify's signed token in the browser, with the platform's WebCrypto and no library:
// a compact JWS (RFC 7515) signed ES256 (RFC 7518, 3.4: ECDSA P-256 with SHA-256, the signature
// as r || s, which is the form WebCrypto's ECDSA verify takes), the key found by `kid` in the
// service's JWKS (RFC 7517), and the claims iss, aud, exp, nbf, iat (RFC 7519, 4.1).

export class TokenError extends Error {}

const LEEWAY_SECONDS = 60;

function base64UrlBytes(part) {
  if (!/^[A-Za-z0-9_-]*$/.test(part)) {
    throw new TokenError('the token is not base64url');
  }
  const base64 = part.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (part.length % 4)) % 4);
  const binary = atob(base64);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function base64UrlJson(part, what) {
  try {
    const value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(base64UrlBytes(part)));
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      return value;
    }
  } catch (e) {
    if (e instanceof TokenError) {
      throw e;
    }
  }
  throw new TokenError(`the token's ${what} is not a JSON object`);
}

/** The JWKS as JSON: from `jwks` when given (an object), else fetched from `jwksUrl`. */
async function loadKeys(jwksUrl, jwks) {
  if (jwks) {
    return jwks;
  }
  let response;
  try {
    response = await fetch(jwksUrl, { mode: 'cors', credentials: 'omit', referrerPolicy: 'no-referrer' });
  } catch {
    throw new TokenError('the service\'s public keys (JWKS) could not be fetched');
  }
  if (!response.ok) {
    throw new TokenError(`the service's public keys (JWKS) answered HTTP ${response.status}`);
  }
  return response.json();
}

/**
 * Validates `token` and returns { header, claims }; throws TokenError saying what failed.
 * options: { jwksUrl or jwks, issuer (required), audience (required), now (Unix seconds) }.
 */
export async function verifyToken(token, { jwksUrl, jwks, issuer, audience, now = Date.now() / 1000 }) {
  const parts = String(token ?? '').split('.');
  if (parts.length !== 3 || parts.some((p) => p.length === 0)) {
    throw new TokenError('the token is not a compact JWS (three dot-separated parts)');
  }
  const header = base64UrlJson(parts[0], 'header');
  if (header.alg !== 'ES256') {
    throw new TokenError(`the token's algorithm is ${JSON.stringify(header.alg)}, not ES256`);
  }
  if (typeof header.kid !== 'string' || header.kid === '') {
    throw new TokenError('the token names no key (kid)');
  }

  const set = await loadKeys(jwksUrl, jwks);
  const jwk = Array.isArray(set?.keys)
    ? set.keys.find((k) => k && k.kid === header.kid && k.kty === 'EC' && k.crv === 'P-256' && (k.use == null || k.use === 'sig'))
    : null;
  if (!jwk) {
    throw new TokenError(`the service publishes no P-256 signing key with kid ${JSON.stringify(header.kid)}`);
  }

  let key;
  try {
    key = await crypto.subtle.importKey('jwk', { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, ext: true },
      { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
  } catch {
    throw new TokenError(`the published key ${JSON.stringify(header.kid)} is not a valid P-256 public key`);
  }
  const signature = base64UrlBytes(parts[2]);
  const signed = new TextEncoder().encode(`${parts[0]}.${parts[1]}`);
  const valid = signature.length === 64
    && await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, signature, signed);
  if (!valid) {
    throw new TokenError('the token\'s signature does not match the service\'s public key');
  }

  const claims = base64UrlJson(parts[1], 'payload');
  if (!issuer || claims.iss !== issuer) {
    throw new TokenError(`the token was issued by ${JSON.stringify(claims.iss)}, not ${JSON.stringify(issuer)}`);
  }
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audience || !audiences.includes(audience)) {
    throw new TokenError(`the token is meant for ${JSON.stringify(claims.aud)}, not ${JSON.stringify(audience)}`);
  }
  if (typeof claims.exp !== 'number') {
    throw new TokenError('the token has no expiry (exp)');
  }
  if (claims.exp + LEEWAY_SECONDS <= now) {
    throw new TokenError('the token has expired');
  }
  if (typeof claims.nbf === 'number' && claims.nbf - LEEWAY_SECONDS > now) {
    throw new TokenError('the token is not valid yet (nbf)');
  }
  if (typeof claims.iat === 'number' && claims.iat - LEEWAY_SECONDS > now) {
    throw new TokenError('the token was issued in the future (iat)');
  }
  return { header, claims };
}
