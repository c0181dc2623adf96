/**
 * Rotating a token (a roll): the admin picks how long the old credentials keep working
 * beside the new ones, sees until when, and confirms. The new credentials then appear once, in the
 * "API Token created" dialog, with its usual guard.
 */
import { useState } from 'preact/hooks';
import { rollToken, type Token } from '../api';
import { duration, localDateTime, relativeTime } from '../format';
import { describe } from '../messages';
import { ConfirmDialog } from './ConfirmDialog';
import { TokenFacts } from './TokenFacts';
import type { Created } from './TokensPage';

const HOUR = 3_600;

/** The overlaps offered; 24 h is the API's default and what rotation runbooks advise. */
const OVERLAPS: { seconds: number; label: string }[] = [
  { seconds: 0, label: 'None: revoke old immediately' },
  { seconds: HOUR, label: '1 hour' },
  { seconds: 24 * HOUR, label: '24 hours (recommended)' },
  { seconds: 7 * 24 * HOUR, label: '7 days' },
];

interface Props {
  token: Token;
  /** Who the token's JWT acts as, when the list knows. */
  actsAs: string | undefined;
  onCancel: () => void;
  onRotated: (created: Created) => void;
}

/** What a rotation gives the token anew, in words. */
function whatIsNew(token: Token, actsAs: string | undefined): string {
  if (token.type === 'browser') return 'a new key';
  if (token.type === 'oauth') return 'a new client ID (key) and client secret';
  return token.jwtIssued ? `a new key, a new secret and a new JWT${actsAs ? ` acting as ${actsAs}` : ''}` : 'a new key and a new secret';
}

/** What the new credentials keep: "name, type, restriction and expiry". */
function kept(token: Token): string {
  const parts = ['name', 'type', token.type === 'server' ? 'restriction' : 'hosts', ...(token.expires !== undefined ? ['expiry'] : [])];
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

/** What stops working when the overlap ends. */
function whatStops(token: Token): string {
  if (token.type === 'browser') return 'the old key';
  if (token.type === 'oauth') return 'the old client ID and secret';
  return token.jwtIssued ? 'the old key’s signatures and the old JWT' : 'the old key’s signatures';
}

export function RotateDialog({ token, actsAs, onCancel, onRotated }: Props) {
  const [overlap, setOverlap] = useState(24 * HOUR);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();

  const now = Date.now();
  // The server ends the overlap at the old token's own expiry if that comes first.
  const until = Math.min(token.expires ?? Infinity, now + overlap * 1000);
  const capped = token.expires !== undefined && token.expires < now + overlap * 1000;
  const lastUsed = token.usage?.lastUsed;
  const recentlyUsed = lastUsed !== undefined && now - lastUsed < HOUR * 1000;
  const stops = whatStops(token);

  async function confirm() {
    setBusy(true);
    setError(undefined);
    try {
      const created = await rollToken(token.id, overlap);
      onRotated({
        token: created,
        actsAs: created.jwt ? actsAs : undefined,
        rotated: { name: token.name, key: token.key, until: Math.min(token.expires ?? Infinity, Date.now() + overlap * 1000) },
      });
    } catch (err) {
      setError(describe(err));
      setBusy(false);
    }
  }

  return (
    <ConfirmDialog
      id="rotate-token"
      title={`Rotate “${token.name}”?`}
      cancelLabel="Cancel"
      confirmLabel="Rotate token"
      tone="primary"
      busy={busy}
      error={error}
      onCancel={onCancel}
      onConfirm={() => void confirm()}
    >
      <TokenFacts token={token} />
      <p>
        Rotating gives this token {whatIsNew(token, actsAs)}, with the same {kept(token)}. They are shown once, next.
      </p>
      <fieldset class="choices">
        <legend>Overlap</legend>
        <p id="rotate-overlap-hint" class="hint">
          How long {stops} keep working beside the new ones, while you update the integration.
        </p>
        {OVERLAPS.map((o) => (
          <div class="radio" key={o.seconds}>
            <input
              type="radio"
              id={`rotate-overlap-${o.seconds}`}
              name="rotate-overlap"
              checked={overlap === o.seconds}
              aria-describedby="rotate-overlap-hint"
              onChange={() => setOverlap(o.seconds)}
            />
            <label for={`rotate-overlap-${o.seconds}`}>{o.label}</label>
          </div>
        ))}
      </fieldset>
      {overlap === 0 ? (
        <p class="warning-box">
          {stops.charAt(0).toUpperCase()}
          {stops.slice(1)} stop working as soon as you rotate. Anything still using them fails until it has the new credentials.
          {recentlyUsed ? ` This token was used ${relativeTime(lastUsed, now)}.` : ''}
        </p>
      ) : (
        <p class="notice-box">
          Until {localDateTime(until)} ({relativeTime(until, now)}) the old and the new credentials both work. Then {stops} stop working.
          {capped ? ` That is when this token expires, sooner than ${duration(overlap)} from now.` : ''}
        </p>
      )}
    </ConfirmDialog>
  );
}
