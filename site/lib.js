// Pure helpers of the sign-in page (no DOM), importable on their own so the browser test can
// check them directly.

const DIGIT = /^\p{Nd}$/u;
// What people paste between digit groups: spaces of every kind (incl. no-break and ideographic),
// hyphens, dashes and the minus sign.
const SEPARATOR = /^[\s\-\u00AD\u2010-\u2015\u2212\u30FC\uFE58\uFE63\uFF0D]$/u;

/**
 * A code as typed or pasted, as ASCII digits: decimal digits of any script become 0-9
 * ("７８８９５４" -> "788954"), spaces and hyphens between groups are dropped ("123 456").
 * Returns null when anything else is in it (letters, punctuation).
 */
export function normalizeCode(text) {
  let digits = '';
  for (const ch of String(text ?? '')) {
    if (ch >= '0' && ch <= '9') {
      digits += ch;
    } else if (DIGIT.test(ch)) {
      digits += String(digitValue(ch));
    } else if (!SEPARATOR.test(ch)) {
      return null;
    }
  }
  return digits;
}

// Unicode encodes each script's decimal digits (category Nd) as a run of ten, 0 to 9, in order
// (Unicode Standard, section 4.6), so a digit's value is its distance from the run's start mod 10.
function digitValue(ch) {
  const code = ch.codePointAt(0);
  let start = code;
  while (start > 0 && DIGIT.test(String.fromCodePoint(start - 1))) {
    start--;
  }
  return (code - start) % 10;
}

/** Seconds from a Retry-After header (RFC 9110, 10.2.3: delay-seconds or an HTTP-date); null if absent or unreadable. */
export function parseRetryAfter(value, now = Date.now()) {
  if (value == null || value === '') {
    return null;
  }
  const text = String(value).trim();
  if (/^\d+$/.test(text)) {
    return Number(text);
  }
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

/** "45 seconds", "1 minute", "2 minutes 5 seconds", "about 3 hours". */
export function formatDuration(seconds) {
  const s = Math.max(0, Math.ceil(seconds));
  const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (s < 60) {
    return plural(s, 'second');
  }
  if (s < 3600) {
    const minutes = Math.floor(s / 60);
    const rest = s % 60;
    return rest === 0 ? plural(minutes, 'minute') : `${plural(minutes, 'minute')} ${plural(rest, 'second')}`;
  }
  return `about ${plural(Math.round(s / 3600), 'hour')}`;
}

/** The service's message as a sentence, or the fallback when it sent none. */
function sentence(message, fallback) {
  const text = typeof message === 'string' && message.trim() ? message.trim() : fallback;
  return /[.!?]$/.test(text) ? text : text + '.';
}

/** "m:ss" for a countdown on a button. */
export function formatClock(seconds) {
  const s = Math.max(0, Math.ceil(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

const FIELD_WORDS = {
  email_address: 'The email address',
  otp: 'The code',
  verification_id: 'This sign-in attempt',
};

/** A 400's message in words: "email_address must contain exactly one @" -> "The email address must contain exactly one @." */
export function fieldMessage(field, message) {
  const words = FIELD_WORDS[field];
  let text = String(message ?? '').trim();
  if (words && text.startsWith(field + ' ')) {
    text = `${words} ${text.slice(field.length + 1)}`;
  } else if (!text) {
    text = `${words ?? 'The request'} is not valid`;
  }
  return /[.!?]$/.test(text) ? text : text + '.';
}

/**
 * What to tell the user about an API answer, in words. `answer` is
 * { httpStatus, body, retryAfter } or { network: true } or { timeout: true }.
 * Returns { text, field?, countdown?, next? } where next is 'resend' when only a new code helps.
 * Covers every status in the API's table (README, docs/openapi.json), API Gateway's own
 * answers, and anything unknown.
 */
export function describeAnswer(route, answer) {
  if (answer.timeout) {
    return { text: 'The sign-in service took too long to answer. Please try again.' };
  }
  if (answer.network) {
    return { text: 'Could not reach the sign-in service. Check your connection and try again.' };
  }
  const body = answer.body && typeof answer.body === 'object' ? answer.body : {};
  const status = typeof body.status === 'string' ? body.status : null;
  const wait = answer.retryAfter;
  const waitText = (what) => (wait != null ? ` ${what} in ${formatDuration(wait)}.` : '');

  switch (status) {
    case 'invalid_request':
      return { text: fieldMessage(body.field, body.message), field: body.field };
    case 'rate_limited':
      // Which limit (this address, this network, the whole service) is in the service's own words.
      return { text: sentence(body.message, 'Too many codes were asked for.') + waitText('You can ask for a new code'), countdown: wait };
    case 'wrong_code': {
      const left = Number.isInteger(body.attemptsRemaining) ? body.attemptsRemaining : null;
      if (left === 0) {
        return { text: 'That code is not right, and no tries are left for it. Send a new code.', field: 'otp', next: 'resend' };
      }
      return {
        text: 'That code is not right.' + (left == null ? ' Check the newest email and try again.' : ` You have ${left} ${left === 1 ? 'try' : 'tries'} left.`),
        field: 'otp',
      };
    }
    case 'expired':
      return { text: 'This code has expired. Send a new code.', next: 'resend' };
    case 'not_found':
      return { text: 'There is no code waiting for this address. Send a new code.', next: 'resend' };
    case 'already_used':
      return { text: 'This code has already been used. Send a new code to sign in again.', next: 'resend' };
    case 'superseded':
      return { text: 'This code is from an earlier email. Use the code in the newest email.', field: 'otp' };
    case 'verification_id_mismatch':
      // A newer code was asked for elsewhere (another tab or device) since this page asked for its own.
      return { text: 'A newer code was requested since this page asked for one. Send a new code.', next: 'resend' };
    case 'too_many_attempts':
      return wait != null
        ? { text: sentence(body.message, 'Too many wrong codes were tried.') + waitText('You can try again'), countdown: wait }
        : { text: 'Too many wrong tries for this code. Send a new code.', next: 'resend' };
    case 'unavailable':
      return { text: 'The sign-in service is unavailable right now. Please try again in a minute.' };
    default:
      break;
  }

  // API Gateway's own answers: with the template's gateway responses they have our shape
  // (throttled, request_too_large, timed_out, request_refused, internal_error); from a stack
  // without them, or from in front of them, only {"message": ...} or nothing. Both are told by
  // their HTTP status.
  switch (answer.httpStatus) {
    case 429:
      // The stage's throttling: many requests to the whole service at once, not this person's doing.
      return { text: 'The sign-in service is busy right now. Please try again in a moment.' + waitText('You can try again'), countdown: wait ?? 5 };
    case 403:
      return { text: 'The sign-in service refused this request. Please try again in a few minutes; if it keeps happening, tell the site\'s owner.' };
    case 413:
    case 414:
      // Over API Gateway's 10 MB body or 10,240-character URL: only a huge paste gets here.
      return { text: 'What you entered is far too long. Check the email address and the code, then try again.' };
    case 500:
    case 502:
      return { text: 'Something went wrong on our side. Please try again.' };
    case 504:
      return { text: 'The sign-in service took too long to answer. Please try again.' };
    case 503:
      return { text: 'The sign-in service is unavailable right now. Please try again in a minute.' };
    default: {
      const said = typeof body.message === 'string' && body.message ? ` The service said: "${body.message}"` : '';
      return { text: `The sign-in service gave an unexpected answer (HTTP ${answer.httpStatus}).${said}`, field: body.field };
    }
  }
}
