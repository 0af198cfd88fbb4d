// Pure helpers of the sign-in page (no DOM), importable on their own so the browser test can
// check them directly.
import { join, text } from './i18n.js';

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

/**
 * A wait in `language`'s words: English as formatDuration says it; the other languages from the
 * browser's own CLDR data (Intl.DurationFormat, else Intl.NumberFormat's units), in minutes and
 * seconds (hours and minutes from an hour up), so each unit takes its language's plural form.
 */
export function formatWait(language, seconds) {
  if (language === 'en') {
    return formatDuration(seconds);
  }
  const s = Math.max(0, Math.ceil(seconds));
  const parts = s < 3600
    ? { minutes: Math.floor(s / 60), seconds: s % 60 }
    : { hours: Math.floor(s / 3600), minutes: Math.round((s % 3600) / 60) };
  const shown = Object.fromEntries(Object.entries(parts).filter(([, n]) => n > 0));
  if (Object.keys(shown).length === 0) {
    shown.seconds = 0;
  }
  if (typeof Intl.DurationFormat === 'function') {
    return new Intl.DurationFormat(language, { style: 'long' }).format(shown);
  }
  return Object.entries(shown)
    .map(([unit, n]) => new Intl.NumberFormat(language, { style: 'unit', unit: unit.slice(0, -1), unitDisplay: 'long' }).format(n))
    .join(' ');
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
 * What to tell the user about an API answer, in `language`'s words (i18n.js). `answer` is
 * { httpStatus, body, retryAfter } or { network: true } or { timeout: true }.
 * Returns { text, field?, countdown?, next? } where next is 'resend' when only a new code helps.
 * Covers every status in the API's table (README, docs/openapi.json), API Gateway's own
 * answers, and anything unknown. The sentence is chosen by `status`, `field`,
 * `attemptsRemaining`, `Retry-After` and the HTTP status, never by reading the service's English
 * message; only the English page quotes that message where it says more than the page's sentence
 * (which limit refused, what is wrong with a field), since the API's words are English.
 */
export function describeAnswer(route, answer, language = 'en') {
  const say = (key, values) => text(language, key, values);
  const english = language === 'en';
  if (answer.timeout) {
    return { text: say('timeout') };
  }
  if (answer.network) {
    return { text: say('network') };
  }
  const body = answer.body && typeof answer.body === 'object' ? answer.body : {};
  const status = typeof body.status === 'string' ? body.status : null;
  const wait = answer.retryAfter;
  const waitText = (key) => (wait != null ? say(key, { duration: formatWait(language, wait) }) : '');

  switch (status) {
    case 'invalid_request':
      return { text: english ? fieldMessage(body.field, body.message) : say(INVALID_FIELD[body.field] ?? 'invalidRequest'), field: body.field };
    case 'rate_limited':
      // Which limit (this address, this network, the whole service) only the English message says.
      return { text: join(language, english ? sentence(body.message, 'Too many codes were asked for.') : say('rateLimited'), waitText('askAgainIn')), countdown: wait };
    case 'wrong_code': {
      const left = Number.isInteger(body.attemptsRemaining) ? body.attemptsRemaining : null;
      if (left === 0) {
        return { text: say('wrongNoTries'), field: 'otp', next: 'resend' };
      }
      return {
        text: join(language, say('wrongCode'), left == null ? say('wrongCheckNewest') : say('triesLeft', { count: left })),
        field: 'otp',
      };
    }
    case 'expired':
      return { text: say('expired'), next: 'resend' };
    case 'not_found':
      return { text: say('notFound'), next: 'resend' };
    case 'already_used':
      return { text: say('alreadyUsed'), next: 'resend' };
    case 'superseded':
      return { text: say('superseded'), field: 'otp' };
    case 'verification_id_mismatch':
      // A newer code was asked for elsewhere (another tab or device) since this page asked for its own.
      return { text: say('mismatch'), next: 'resend' };
    case 'too_many_attempts':
      // With Retry-After: the client's (this network's) failures; without: this code's tries are spent.
      return wait != null
        ? { text: join(language, english ? sentence(body.message, 'Too many wrong codes were tried.') : say('tooManyFromNetwork'), waitText('tryAgainIn')), countdown: wait }
        : { text: say('tooManyTries'), next: 'resend' };
    case 'unavailable':
      return { text: say('unavailable') };
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
      return { text: join(language, say('busy'), waitText('tryAgainIn')), countdown: wait ?? 5 };
    case 403:
      return { text: say('refused') };
    case 413:
    case 414:
      // Over API Gateway's 10 MB body or 10,240-character URL: only a huge paste gets here.
      return { text: say('tooLong') };
    case 500:
    case 502:
      return { text: say('serverError') };
    case 504:
      return { text: say('timeout') };
    case 503:
      return { text: say('unavailable') };
    default: {
      // The service's own words are all there is to say about an answer nobody documented.
      const said = typeof body.message === 'string' && body.message ? say('serviceSaid', { message: body.message }) : '';
      return { text: join(language, say('unexpected', { status: answer.httpStatus }), said), field: body.field };
    }
  }
}

/** The page's sentence for a 400 naming each field a person fills in (or the page sends). */
const INVALID_FIELD = {
  email_address: 'invalidAddress',
  otp: 'invalidCode',
  verification_id: 'invalidAttempt',
};
