/**
 * "API Token created": the one time the secret and the JWT are shown.
 *
 * Closing (the Close button, Esc, the backdrop, leaving the page) asks first while the secret or the
 * JWT is still uncopied, and only then: once everything that cannot be shown again was copied, it
 * closes at once. The key is not guarded: the token list shows it again whenever needed.
 */
import { useEffect, useState } from 'preact/hooks';
import { copyShortcut } from '../clipboard';
import { keyPrefix, localDateTime, relativeTime } from '../format';
import { ConfirmDialog } from './ConfirmDialog';
import { Modal } from './Modal';
import { SecretField } from './SecretField';
import type { Created } from './TokensPage';

type Item = 'key' | 'secret' | 'jwt';

const NOUN: Record<Item, string> = { key: 'key', secret: 'secret', jwt: 'JWT' };

function joinAnd(words: string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

export function CreatedDialog({ created, onClosed }: { created: Created; onClosed: () => void }) {
  const { token, actsAs, rotated } = created;
  const [copied, setCopied] = useState<ReadonlySet<Item>>(new Set());
  const [confirming, setConfirming] = useState(false);
  const [status, setStatus] = useState({ n: 0, text: '' });

  const oneTime: Item[] = [...(token.secret ? ['secret' as const] : []), ...(token.jwt ? ['jwt' as const] : [])];
  const uncopied = oneTime.filter((item) => !copied.has(item));
  const guarded = uncopied.length > 0;

  // Leaving the page (reload, closing the tab, Back) while something is uncopied asks the browser's own question.
  useEffect(() => {
    if (!guarded) return;
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      event.preventDefault();
      event.returnValue = '';
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => window.removeEventListener('beforeunload', onBeforeUnload);
  }, [guarded]);

  const say = (text: string) => setStatus((prev) => ({ n: prev.n + 1, text }));

  function markCopied(item: Item) {
    setCopied((prev) => new Set(prev).add(item));
    say(`${NOUN[item].charAt(0).toUpperCase()}${NOUN[item].slice(1)} copied to the clipboard.`);
  }

  function copyFailed(item: Item) {
    say(`Could not copy the ${NOUN[item]}. It is now shown and selected: press ${copyShortcut()} to copy it.`);
  }

  function requestClose() {
    if (guarded) setConfirming(true);
    else onClosed();
  }

  const lost = joinAnd(uncopied.map((item) => `the ${NOUN[item]}`));
  const warning =
    oneTime.length === 0
      ? 'A browser token has no secret: its key is all a page needs, and the token list shows it again at any time.'
      : `Copy ${joinAnd(oneTime.map((item) => `the ${NOUN[item]}`))} now and store ${oneTime.length > 1 ? 'them' : 'it'} somewhere safe: ${oneTime.length > 1 ? 'they' : 'it'} will not be shown again.${token.secret ? ' The key does not work without its secret.' : ''}`;

  const field = (item: Item) => ({
    copied: copied.has(item),
    onCopied: () => markCopied(item),
    onCopyFailed: () => copyFailed(item),
  });

  return (
    <Modal labelledBy="created-title" describedBy="created-warning" class="created" onRequestClose={requestClose}>
      <h2 id="created-title">API Token created</h2>
      <p class="muted">
        {token.type === 'server' ? 'Server' : token.type === 'browser' ? 'Browser' : 'OAuth'} token “{token.name}”
        {token.expires === undefined ? '' : `, expires ${localDateTime(token.expires)}`}
      </p>
      {rotated ? (
        <p class="notice-box">
          Replaces key <code>{keyPrefix(rotated.key)}</code>.{' '}
          {rotated.until <= Date.now()
            ? 'The old key no longer works.'
            : `The old credentials keep working until ${localDateTime(rotated.until)} (${relativeTime(rotated.until, Date.now())}): put these in place before then.`}
        </p>
      ) : null}
      <p id="created-warning" class={oneTime.length ? 'warning-box' : 'notice-box'}>
        {warning}
      </p>
      <SecretField
        id="created-key"
        label="Key (identifier)"
        noun="key"
        hint={
          token.type === 'browser'
            ? 'Send it as X-Deki-Token from pages on the allowed hosts.'
            : token.type === 'oauth'
              ? 'The app’s OAuth client_id. Listed again in the token list.'
              : 'Identifies the token; safe to keep in configuration. Listed again in the token list.'
        }
        value={token.key}
        maskable={false}
        autofocus={!token.secret}
        {...field('key')}
      />
      {token.secret ? (
        <SecretField
          id="created-secret"
          label="Secret"
          noun="secret"
          hint={
            token.type === 'oauth'
              ? 'The app’s OAuth client_secret: only its back end sends it, to the token endpoint. Keep it in a secrets manager.'
              : 'Signs requests together with the key (X-Deki-Token). Keep it in a secrets manager.'
          }
          value={token.secret}
          maskable
          autofocus
          {...field('secret')}
        />
      ) : null}
      {token.jwt ? (
        <SecretField
          id="created-jwt"
          label="JWT (OAuth bearer token)"
          noun="JWT"
          hint={`Send as Authorization: Bearer <JWT>. Acts as ${actsAs ?? 'the bound user'} for 10 years, until this token is deleted${token.expires === undefined ? '' : ' or expires'}.`}
          value={token.jwt}
          maskable
          multiline
          {...field('jwt')}
        />
      ) : null}
      <div class="dialog-footer">
        <p role="status" class="copy-status">
          {status.text ? <span key={status.n}>{status.text}</span> : null}
        </p>
        <button type="button" class="button primary" onClick={requestClose}>
          Close
        </button>
      </div>
      {confirming ? (
        <ConfirmDialog
          id="close-guard"
          title={`Close without copying ${lost}?`}
          cancelLabel="Go back"
          confirmLabel="Close without copying"
          onCancel={() => setConfirming(false)}
          onConfirm={onClosed}
        >
          <p>
            You have not copied {lost}. {uncopied.length > 1 ? 'They' : 'It'} will not be shown again: to get {uncopied.length > 1 ? 'them' : 'it'} you would
            have to delete this token and create a new one.
          </p>
        </ConfirmDialog>
      ) : null}
    </Modal>
  );
}
