// The sign-in page: address -> "Send code" -> code -> signed in. Calls the API with POST and
// JSON from this page's own origin (so the browser makes a CORS preflight, as it will in
// production), shows every answer in words, counts down from Retry-After, and checks the signed
// token against the service's published keys before saying "signed in".
import config from './config.js';
import { describeAnswer, formatClock, formatDuration, normalizeCode, parseRetryAfter } from './lib.js';
import { TokenError, verifyToken } from './token.js';
import { STATIC_IDS, chooseLanguage, formatLifetime, isRightToLeft, join, text } from './i18n.js';

const apiBase = String(config.apiBaseUrl ?? '').replace(/\/+$/, '');
const jwksUrl = config.jwksUrl ?? `${apiBase}/.well-known/jwks.json`;
const issuer = config.issuer ?? apiBase;
// The service's default audience is its issuer (OTP_TOKEN_AUDIENCE unset).
const audience = config.audience ?? issuer;
const REQUEST_TIMEOUT_MS = 15000;

const $ = (id) => document.getElementById(id);
const ui = {
  alert: $('alert'),
  status: $('status'),
  steps: { address: $('step-address'), code: $('step-code'), done: $('step-done') },
  addressForm: $('address-form'),
  email: $('email'),
  emailError: $('email-error'),
  send: $('send'),
  codeForm: $('code-form'),
  codeHint: $('code-hint'),
  code: $('code'),
  codeError: $('code-error'),
  verify: $('verify'),
  resend: $('resend'),
  changeAddress: $('change-address'),
  doneHeading: $('done-heading'),
  signedInAs: $('signed-in-as'),
  tokenNote: $('token-note'),
  claims: $('claims'),
  signOut: $('sign-out'),
};

const state = { address: '', verificationId: null, busy: false };
const fieldInputs = { email_address: [ui.email, ui.emailError], otp: [ui.code, ui.codeError] };

$('api-docs').href = `${apiBase}/openapi.json`;

// The browser's language, if the page is written in it: its words, lang and dir; generate gets it as `locale`.
const language = chooseLanguage(navigator.languages?.length ? navigator.languages : [navigator.language]);
document.documentElement.lang = language;
document.documentElement.dir = isRightToLeft(language) ? 'rtl' : 'ltr';
document.title = text(language, 'pageTitle');
for (const id of STATIC_IDS) {
  $(id).textContent = text(language, id);
}
const labels = { send: text(language, 'send'), verify: text(language, 'verify'), resend: text(language, 'resend') };

// ---- messages and focus -------------------------------------------------------------------

function say(message) {
  ui.status.textContent = message;
}

function alertUser(message) {
  ui.alert.textContent = message;
  ui.alert.hidden = !message;
}

/** The page's sentence `key` in its language (i18n.js). */
const words = (key, values) => text(language, key, values);

function clearMessages() {
  alertUser('');
  say('');
  for (const [input, error] of Object.values(fieldInputs)) {
    input.removeAttribute('aria-invalid');
    error.textContent = '';
    error.hidden = true;
  }
}

/** Shows an error on a field (announced through aria-describedby when focus lands there). */
function fieldError(field, message) {
  const [input, error] = fieldInputs[field];
  input.setAttribute('aria-invalid', 'true');
  error.textContent = message;
  error.hidden = false;
  input.focus();
  input.select?.();
}

function show(step) {
  for (const [name, section] of Object.entries(ui.steps)) {
    section.hidden = name !== step;
  }
}

// ---- countdowns ---------------------------------------------------------------------------

/**
 * Makes `button` unusable for `seconds`, its label counting down ("Send code (0:25)"), then
 * usable again. aria-disabled rather than disabled keeps it focusable, so keyboard focus is
 * never lost while it waits.
 */
const countdowns = new Map();
function holdButton(button, seconds, label, onDone) {
  cancelHold(button);
  const until = Date.now() + seconds * 1000;
  const tick = () => {
    const left = Math.ceil((until - Date.now()) / 1000);
    if (left <= 0) {
      cancelHold(button);
      onDone?.();
      return;
    }
    button.textContent = `${label} (${formatClock(left)})`;
  };
  button.setAttribute('aria-disabled', 'true');
  button.dataset.waitUntil = String(until);
  countdowns.set(button, { timer: setInterval(tick, 250), label });
  tick();
}

function cancelHold(button) {
  const hold = countdowns.get(button);
  if (hold) {
    clearInterval(hold.timer);
    button.textContent = hold.label;
    countdowns.delete(button);
  }
  button.removeAttribute('aria-disabled');
  delete button.dataset.waitUntil;
}

const isHeld = (button) => button.getAttribute('aria-disabled') === 'true';

// ---- the API ------------------------------------------------------------------------------

async function callApi(path, fields) {
  let response;
  try {
    response = await fetch(`${apiBase}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(fields),
      mode: 'cors',
      credentials: 'omit',
      cache: 'no-store',
      referrerPolicy: 'no-referrer',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (e) {
    return e?.name === 'TimeoutError' ? { timeout: true } : { network: true };
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  // Retry-After is readable across origins because the API lists it in Access-Control-Expose-Headers;
  // the body's retryAfterSeconds says the same.
  const retryAfter = parseRetryAfter(response.headers.get('Retry-After')) ?? (Number.isInteger(body?.retryAfterSeconds) ? body.retryAfterSeconds : null);
  return { httpStatus: response.status, body, retryAfter };
}

async function busy(button, work) {
  if (state.busy) {
    return;
  }
  state.busy = true;
  button.setAttribute('aria-busy', 'true');
  button.setAttribute('aria-disabled', 'true');
  try {
    await work();
  } finally {
    state.busy = false;
    button.removeAttribute('aria-busy');
    if (!countdowns.has(button)) {
      button.removeAttribute('aria-disabled');
    }
  }
}

/** Shows a failed answer: on its field when it names one, else in the alert; starts any countdown on `button`. */
function showProblem(route, answer, button, buttonLabel) {
  const problem = describeAnswer(route, answer, language);
  // A field error goes on the field when it is on screen; otherwise (e.g. "otp" while the address
  // step shows) in the alert.
  if (problem.field && fieldInputs[problem.field]?.[0].checkVisibility()) {
    fieldError(problem.field, problem.text);
  } else {
    alertUser(problem.text);
  }
  if (problem.countdown != null && problem.countdown > 0) {
    holdButton(button, problem.countdown, buttonLabel, () => say(words('tryAgainNow')));
    if (!problem.field) {
      button.focus();
    }
  } else if (problem.next === 'resend' && !isHeld(ui.resend)) {
    ui.resend.focus();
  }
  return problem;
}

// ---- step 1: the address ------------------------------------------------------------------

async function requestCode(button, buttonLabel) {
  const result = await callApi('/otp/generate', { email_address: state.address, locale: language });
  if (result.httpStatus === 202 && result.body?.status === 'sent') {
    state.verificationId = typeof result.body.verificationId === 'string' ? result.body.verificationId : null;
    const seconds = result.body.expiresInSeconds;
    const duration = Number.isInteger(seconds) ? (language === 'en' ? formatDuration(seconds) : formatLifetime(language, seconds)) : null;
    ui.codeHint.textContent = join(language, words('sentTo', { address: state.address }), duration ? words('validFor', { duration }) : '');
    ui.code.value = '';
    show('code');
    holdButton(ui.resend, Number(config.resendCooldownSeconds) || 0, labels.resend);
    return true;
  }
  showProblem('generate', result, button, buttonLabel);
  return false;
}

ui.addressForm.addEventListener('submit', (event) => {
  event.preventDefault();
  if (isHeld(ui.send)) {
    if (!state.busy) {
      say(words('waitButton'));
    }
    return;
  }
  clearMessages();
  const address = ui.email.value.trim();
  if (!address) {
    fieldError('email_address', words('enterAddress'));
    return;
  }
  if (!/^[^@\s]+@[^@\s]+$/.test(address)) {
    fieldError('email_address', words('addressLike'));
    return;
  }
  state.address = address;
  busy(ui.send, async () => {
    say(words('sending'));
    if (await requestCode(ui.send, labels.send)) {
      // The code field's description (the hint) says where the code went; focus reads it out.
      say('');
      ui.code.focus();
    } else {
      say('');
    }
  });
});

// ---- step 2: the code ---------------------------------------------------------------------

ui.code.addEventListener('paste', (event) => {
  // A pasted "123 456" or "１２３４５６" goes in as 123456 (the field has no maxlength, so nothing is cut first).
  const pasted = event.clipboardData?.getData('text');
  const digits = normalizeCode(pasted);
  if (pasted && digits) {
    event.preventDefault();
    ui.code.value = digits;
  }
});

ui.codeForm.addEventListener('submit', (event) => {
  event.preventDefault();
  if (isHeld(ui.verify)) {
    return;
  }
  clearMessages();
  const code = normalizeCode(ui.code.value);
  const length = Number(config.codeLength) || null;
  if (!code) {
    fieldError('otp', words(code === null ? 'codeNotDigits' : 'enterCode'));
    return;
  }
  if (length ? code.length !== length : code.length < 6 || code.length > 10) {
    fieldError('otp', words(length ? 'codeLength' : 'codeLengthRange', { length, count: code.length }));
    return;
  }
  busy(ui.verify, async () => {
    say(words('checking'));
    const fields = { email_address: state.address, otp: code };
    if (state.verificationId) {
      fields.verification_id = state.verificationId;
    }
    const result = await callApi('/otp/verify', fields);
    say('');
    if (result.httpStatus === 200 && result.body?.status === 'verified') {
      await signedIn(result.body);
      return;
    }
    showProblem('verify', result, ui.verify, labels.verify);
  });
});

ui.resend.addEventListener('click', () => {
  if (isHeld(ui.resend)) {
    if (!state.busy) {
      say(words('waitLink'));
    }
    return;
  }
  clearMessages();
  busy(ui.resend, async () => {
    say(words('sendingNew'));
    if (await requestCode(ui.resend, labels.resend)) {
      say(words('sentNew', { address: state.address }));
      ui.code.focus();
    } else {
      say('');
    }
  });
});

ui.changeAddress.addEventListener('click', () => {
  clearMessages();
  cancelHold(ui.resend);
  show('address');
  ui.email.focus();
});

// ---- step 3: signed in --------------------------------------------------------------------

function showClaims(header, claims) {
  ui.claims.replaceChildren();
  const time = (s) => (typeof s === 'number' ? `${new Date(s * 1000).toLocaleString(language)} (${s})` : String(s));
  const rows = [
    ['email', claims.email],
    ['email_verified', claims.email_verified],
    ['sub', claims.sub],
    ['iss', claims.iss],
    ['aud', Array.isArray(claims.aud) ? claims.aud.join(', ') : claims.aud],
    ['iat', time(claims.iat)],
    ['exp', time(claims.exp)],
    ['amr', Array.isArray(claims.amr) ? claims.amr.join(', ') : claims.amr],
    ['jti', claims.jti],
    ['kid', header.kid],
    ['alg', header.alg],
  ];
  for (const [name, value] of rows) {
    if (value === undefined) {
      continue;
    }
    const dt = document.createElement('dt');
    dt.textContent = name;
    const dd = document.createElement('dd');
    dd.textContent = String(value);
    ui.claims.append(dt, dd);
  }
  ui.claims.hidden = false;
}

async function signedIn(body) {
  if (typeof body.token !== 'string') {
    ui.signedInAs.textContent = words('signedInAs', { address: state.address });
    ui.tokenNote.textContent = words('noToken');
    ui.claims.hidden = true;
  } else {
    let checked;
    try {
      checked = await verifyToken(body.token, { jwksUrl, issuer, audience });
    } catch (e) {
      // The reason is token.js's technical English, for whoever looks into it.
      const reason = e instanceof TokenError ? e.message : 'it could not be checked';
      alertUser(words('tokenRefused', { reason }));
      return;
    }
    ui.signedInAs.textContent = words('signedInAs', { address: checked.claims.email });
    ui.tokenNote.textContent = words('tokenChecked');
    showClaims(checked.header, checked.claims);
  }
  cancelHold(ui.resend);
  show('done');
  say('');
  ui.doneHeading.focus();
}

ui.signOut.addEventListener('click', () => {
  state.address = '';
  state.verificationId = null;
  ui.email.value = '';
  ui.code.value = '';
  ui.claims.replaceChildren();
  clearMessages();
  show('address');
  say(words('signedOut'));
  ui.email.focus();
});

// A page without an API address cannot work: say so rather than fail on the first click.
if (!/^https?:\/\//.test(apiBase)) {
  alertUser(words('noApi'));
}
