/**
 * "Add an API token", with the seed's controls and labels. The page checks what it can before
 * sending (name length, host patterns, by the server's own rule); the server's refusals come back
 * in words next to the field they concern.
 */
import { useRef, useState } from 'preact/hooks';
import { parseRedirectUris } from '../../src/oauth/redirect-uri';
import { parseHostPatterns } from '../../src/tokens/host-pattern';
import { createToken, type NewToken, type TokenType, type User } from '../api';
import { type Expiry, expiryInstant, NO_EXPIRY } from '../expiry';
import { ApiError, describe, type Field, hostPatternWords, redirectUriWords } from '../messages';
import { ExpiryPicker } from './ExpiryPicker';
import type { Created } from './TokensPage';
import { UserPicker } from './UserPicker';

type Errors = Partial<Record<Field | 'form', string>>;

const TYPES: { value: TokenType; label: string; hint: string }[] = [
  { value: 'server', label: 'Server', hint: 'Signs requests from a backend, bot or script with a key and a secret; can carry a long-term JWT.' },
  { value: 'browser', label: 'Browser', hint: 'Lets pages on the hosts you list call the API from visitors’ browsers. Has no secret.' },
  {
    value: 'oauth',
    label: 'OAuth',
    hint: 'An app that people sign in to (OAuth 2.0); it then acts as them. The key is its client ID, the secret its client secret.',
  },
];

const HOST_HINT: Record<Exclude<TokenType, 'server'>, string> = {
  browser: 'Comma-separated hostnames that may use this token; * matches one or more labels:',
  oauth:
    'Optional. Where authorization codes may be sent: the hostnames your redirect_uri may use, comma-separated; * matches one or more labels. An app that only uses the device flow needs none. For example:',
};

function checkLocally(type: TokenType, name: string, host: string, redirects: string, expiry: Expiry): Errors {
  const errors: Errors = {};
  if (name.trim().length < 1 || name.trim().length > 255) errors.name = 'Give the token a name of 1 to 255 characters.';
  if (type !== 'server') {
    const parsed = parseHostPatterns(host);
    if ('invalid' in parsed) errors.host = hostPatternWords(parsed.invalid);
    else if (type === 'browser' && parsed.patterns.length === 0) errors.host = 'A browser token needs at least one host, for example *.example.com.';
  }
  if (type === 'oauth') {
    const parsed = parseRedirectUris(redirects);
    if ('invalid' in parsed) errors.redirects = redirectUriWords(parsed.invalid);
  }
  const expires = expiryInstant(expiry, Date.now());
  if (typeof expires === 'object') errors.expires = expires.problem;
  return errors;
}

function describedBy(...ids: (string | false | undefined)[]): string | undefined {
  const list = ids.filter(Boolean).join(' ');
  return list || undefined;
}

export function CreateTokenForm({ currentUser, onCreated }: { currentUser: User; onCreated: (created: Created) => void }) {
  const [type, setType] = useState<TokenType>('server');
  const [name, setName] = useState('');
  const [host, setHost] = useState('');
  const [redirects, setRedirects] = useState('');
  const [generateJwt, setGenerateJwt] = useState(false);
  const [restricted, setRestricted] = useState<User | null>(null);
  const [expiry, setExpiry] = useState<Expiry>(NO_EXPIRY);
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  // Set before the first await, so a double click cannot send a second create before a re-render.
  const inFlight = useRef(false);
  // A new picker after each create, so its text and suggestions start empty too.
  const [pickerKey, setPickerKey] = useState(0);
  const nameInput = useRef<HTMLInputElement>(null);
  const hostInput = useRef<HTMLInputElement>(null);
  const redirectsInput = useRef<HTMLTextAreaElement>(null);
  const userInput = useRef<HTMLInputElement>(null);
  const expiryInput = useRef<HTMLInputElement>(null);
  const formError = useRef<HTMLDivElement>(null);

  const server = type === 'server';
  // The API issues a JWT whenever a server token names a restricted user (as in the seed's example).
  const jwtForced = server && restricted !== null;

  function focusFirst(found: Errors) {
    // In the order of the form.
    const target = found.name
      ? nameInput
      : found.host
        ? hostInput
        : found.redirects
          ? redirectsInput
          : found.user
            ? userInput
            : found.expires
              ? expiryInput
              : found.form
                ? formError
                : undefined;
    target?.current?.focus();
  }

  async function submit(event: Event) {
    event.preventDefault();
    if (inFlight.current) return;
    const local = checkLocally(type, name, host, redirects, expiry);
    setErrors(local);
    if (Object.keys(local).length > 0) return focusFirst(local);
    const input: NewToken = { type, name: name.trim() };
    const expires = expiryInstant(expiry, Date.now());
    if (typeof expires === 'number') input.expires = expires;
    if (server) {
      input.generateJwt = generateJwt || jwtForced;
      if (restricted) input.restrictedUserId = restricted.id;
    } else {
      input.host = host;
      if (type === 'oauth') input.redirectUris = redirects;
    }
    inFlight.current = true;
    setBusy(true);
    try {
      const token = await createToken(input);
      const actsAs = token.jwt ? (restricted?.username ?? currentUser.username) : undefined;
      setName('');
      setHost('');
      setRedirects('');
      setGenerateJwt(false);
      setRestricted(null);
      setExpiry(NO_EXPIRY);
      setPickerKey((k) => k + 1);
      onCreated({ token, actsAs });
    } catch (err) {
      const found: Errors = err instanceof ApiError && err.field ? { [err.field]: err.message } : { form: describe(err) };
      setErrors(found);
      focusFirst(found);
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  }

  return (
    <section class="card" aria-labelledby="add-token-title">
      <h2 id="add-token-title">Add an API token</h2>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <fieldset class="types">
          <legend>Type</legend>
          {TYPES.map((t) => (
            <div class="radio" key={t.value}>
              <input
                type="radio"
                id={`type-${t.value}`}
                name="token-type"
                value={t.value}
                checked={type === t.value}
                aria-describedby={`type-${t.value}-hint`}
                onChange={() => {
                  setType(t.value);
                  setErrors({});
                }}
              />
              <label for={`type-${t.value}`}>{t.label}</label>
              <p id={`type-${t.value}-hint`} class="hint">
                {t.hint}
              </p>
            </div>
          ))}
        </fieldset>

        <div class="field">
          <label for="token-name">Name</label>
          <p id="token-name-hint" class="hint">
            Easy to track: name the integration and who it acts as, e.g. Zendesk-Integration-ServiceAccount.
          </p>
          <input
            ref={nameInput}
            id="token-name"
            value={name}
            maxLength={255}
            autocomplete="off"
            aria-invalid={errors.name ? true : undefined}
            aria-describedby={describedBy('token-name-hint', errors.name && 'token-name-error')}
            onInput={(e) => setName(e.currentTarget.value)}
          />
          {errors.name ? (
            <p id="token-name-error" class="field-error">
              {errors.name}
            </p>
          ) : null}
        </div>

        {!server ? (
          <div class="field">
            <label for="token-host">Host</label>
            <p id="token-host-hint" class="hint">
              {HOST_HINT[type]} <code>{type === 'oauth' ? 'app.example.com, *.example.org' : '*.example.com, crm.example.org'}</code>
            </p>
            <input
              ref={hostInput}
              id="token-host"
              value={host}
              autocomplete="off"
              autocapitalize="none"
              spellcheck={false}
              aria-invalid={errors.host ? true : undefined}
              aria-describedby={describedBy('token-host-hint', errors.host && 'token-host-error')}
              onInput={(e) => setHost(e.currentTarget.value)}
            />
            {errors.host ? (
              <p id="token-host-error" class="field-error">
                {errors.host}
              </p>
            ) : null}
          </div>
        ) : null}

        {type === 'oauth' ? (
          <div class="field">
            <label for="token-redirects">Redirect URIs</label>
            <p id="token-redirects-hint" class="hint">
              Optional, and safer than hosts: the exact URLs authorization codes may be sent to, one a line. When you give any, no other URL is accepted,
              whatever the hosts say. For example: <code>https://app.example.com/callback</code>
            </p>
            <textarea
              ref={redirectsInput}
              id="token-redirects"
              rows={2}
              value={redirects}
              autocomplete="off"
              autocapitalize="none"
              spellcheck={false}
              aria-invalid={errors.redirects ? true : undefined}
              aria-describedby={describedBy('token-redirects-hint', errors.redirects && 'token-redirects-error')}
              onInput={(e) => setRedirects(e.currentTarget.value)}
            />
            {errors.redirects ? (
              <p id="token-redirects-error" class="field-error">
                {errors.redirects}
              </p>
            ) : null}
          </div>
        ) : null}

        {server ? (
          <>
            <div class="checkbox">
              <input
                type="checkbox"
                id="token-jwt"
                checked={generateJwt || jwtForced}
                disabled={jwtForced}
                aria-describedby="token-jwt-hint"
                onChange={(e) => setGenerateJwt(e.currentTarget.checked)}
              />
              <label for="token-jwt">Generate long-term JWT (OAuth bearer token)</label>
              <p id="token-jwt-hint" class="hint">
                {jwtForced
                  ? `Always issued for a token restricted to a user: the JWT acts as ${restricted.username}. Clear the user to choose.`
                  : 'A bearer token valid for 10 years, shown once. It acts as the restricted user, or as you when no user is picked.'}
              </p>
            </div>
            <UserPicker key={pickerKey} inputRef={userInput} value={restricted} onChange={setRestricted} error={errors.user} />
          </>
        ) : null}

        <ExpiryPicker value={expiry} onChange={setExpiry} error={errors.expires} focusRef={expiryInput} />

        <div ref={formError} tabIndex={-1} role="alert" class={errors.form ? 'error-box' : 'error-slot'}>
          {errors.form ?? ''}
        </div>
        <button type="submit" class="button primary" aria-disabled={busy ? true : undefined}>
          Generate API token
        </button>
      </form>
    </section>
  );
}
