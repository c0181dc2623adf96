/** A yes/no question in its own modal. Focus starts on the safe answer. */
import type { ComponentChildren } from 'preact';
import { Modal } from './Modal';

interface Props {
  id: string;
  title: string;
  children: ComponentChildren;
  cancelLabel: string;
  confirmLabel: string;
  /** `danger` (the default) for what cannot be undone; `primary` for a change that can be lived with. */
  tone?: 'danger' | 'primary';
  busy?: boolean;
  error?: string | undefined;
  onCancel: () => void;
  onConfirm: () => void;
}

export function ConfirmDialog({ id, title, children, cancelLabel, confirmLabel, tone = 'danger', busy, error, onCancel, onConfirm }: Props) {
  return (
    <Modal role="alertdialog" class="confirm" labelledBy={`${id}-title`} describedBy={`${id}-body`} onRequestClose={() => !busy && onCancel()}>
      <h2 id={`${id}-title`}>{title}</h2>
      <div id={`${id}-body`}>{children}</div>
      {error ? (
        <p role="alert" class="error-box">
          {error}
        </p>
      ) : null}
      <div class="actions">
        <button type="button" class="button secondary" autofocus onClick={onCancel} aria-disabled={busy ? true : undefined}>
          {cancelLabel}
        </button>
        <button type="button" class={`button ${tone}`} onClick={() => !busy && onConfirm()} aria-disabled={busy ? true : undefined}>
          {confirmLabel}
        </button>
      </div>
    </Modal>
  );
}
