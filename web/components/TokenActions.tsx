/**
 * Rotate and Delete on a token's own page, through the list's own confirmations, so a state such
 * as "Expires soon" or "Unused" is fixed where it is read. A rotation's new credentials appear once
 * in the "API Token created" dialog, as from the list.
 */
import { useState } from 'preact/hooks';
import type { Token } from '../api';
import type { Lifetime } from '../lifetime';
import { navigate, TOKENS_PATH } from '../router';
import { CreatedDialog } from './CreatedDialog';
import { DeleteDialog } from './DeleteDialog';
import { RotateDialog } from './RotateDialog';
import type { Created } from './TokensPage';

interface Props {
  token: Token;
  life: Lifetime;
  actsAs: string | undefined;
  onChanged: () => void;
}

export function TokenActions({ token, life, actsAs, onChanged }: Props) {
  const [open, setOpen] = useState<'rotate' | 'delete' | null>(null);
  const [created, setCreated] = useState<Created | null>(null);
  return (
    <div class="user-controls">
      {life.state !== 'expired' ? (
        <button type="button" class="button secondary small" onClick={() => setOpen('rotate')}>
          Rotate<span class="visually-hidden"> token {token.name}</span>
        </button>
      ) : null}
      <button type="button" class="button danger small" onClick={() => setOpen('delete')}>
        Delete<span class="visually-hidden"> token {token.name}</span>
      </button>
      {open === 'rotate' ? (
        <RotateDialog
          token={token}
          actsAs={actsAs}
          onCancel={() => setOpen(null)}
          onRotated={(c) => {
            setOpen(null);
            setCreated(c);
          }}
        />
      ) : null}
      {open === 'delete' ? <DeleteDialog token={token} onCancel={() => setOpen(null)} onDeleted={() => navigate(TOKENS_PATH)} /> : null}
      {created ? (
        <CreatedDialog
          created={created}
          onClosed={() => {
            setCreated(null);
            onChanged();
          }}
        />
      ) : null}
    </div>
  );
}
