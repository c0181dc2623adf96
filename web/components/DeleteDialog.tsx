/** Revoking a token: name, type and key prefix in front of the admin, and what stops working. */
import { useState } from 'preact/hooks';
import { deleteToken, type Token } from '../api';
import { ApiError, describe } from '../messages';
import { ConfirmDialog } from './ConfirmDialog';
import { TokenFacts } from './TokenFacts';

function consequence(token: Token): string {
  if (token.type === 'browser') return 'Pages on its hosts that send its key stop working at once.';
  return token.jwtIssued ? 'Its signatures and its JWT stop working at once.' : 'Its signatures stop working at once.';
}

export function DeleteDialog({ token, onCancel, onDeleted }: { token: Token; onCancel: () => void; onDeleted: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();

  async function confirm() {
    setBusy(true);
    setError(undefined);
    try {
      await deleteToken(token.id);
      onDeleted();
    } catch (err) {
      // Already gone is what the admin wanted: treat it as done.
      if (err instanceof ApiError && err.code === 'TOKEN_NOT_FOUND') return onDeleted();
      setError(describe(err));
      setBusy(false);
    }
  }

  return (
    <ConfirmDialog
      id="delete-token"
      title={`Delete “${token.name}”?`}
      cancelLabel="Cancel"
      confirmLabel="Delete token"
      busy={busy}
      error={error}
      onCancel={onCancel}
      onConfirm={() => void confirm()}
    >
      <TokenFacts token={token} />
      <p class="warning-box">{consequence(token)} This cannot be undone.</p>
    </ConfirmDialog>
  );
}
