/**
 * One value of the "API Token created" dialog, with its own Copy button and, for the secret and
 * the JWT, a Show toggle (`aria-pressed`; the name stays "Show secret", the state is the pressed
 * state). Masked values copy just the same. A failed copy shows and selects the value, so Ctrl/⌘+C
 * works; copying it that way counts too.
 */
import { useRef, useState } from 'preact/hooks';
import { copyText } from '../clipboard';

interface Props {
  id: string;
  label: string;
  /** How the value is called in button names and announcements: "secret" → "Copy secret". */
  noun: string;
  hint: string;
  value: string;
  maskable: boolean;
  multiline?: boolean;
  copied: boolean;
  autofocus?: boolean;
  onCopied: () => void;
  onCopyFailed: () => void;
}

export function SecretField({ id, label, noun, hint, value, maskable, multiline, copied, autofocus, onCopied, onCopyFailed }: Props) {
  const [shown, setShown] = useState(!maskable);
  const field = useRef<HTMLInputElement & HTMLTextAreaElement>(null);

  async function copy(event: Event) {
    const button = event.currentTarget as HTMLButtonElement;
    if (await copyText(value, button.closest('dialog') ?? document.body)) return onCopied();
    setShown(true);
    onCopyFailed();
    // After the re-render that unmasks it: a masked field's text cannot be copied by hand.
    requestAnimationFrame(() => {
      field.current?.focus();
      field.current?.select();
    });
  }

  function onManualCopy() {
    const el = field.current;
    if (el && el.selectionStart === 0 && el.selectionEnd === value.length) onCopied();
  }

  const common = {
    ref: field,
    id,
    readOnly: true,
    value,
    spellcheck: false,
    autocomplete: 'off',
    'aria-describedby': `${id}-hint`,
    onCopy: onManualCopy,
    class: maskable && !shown ? 'value masked' : 'value',
  };

  return (
    <div class="field secret-field">
      <div class="field-head">
        <label for={id}>{label}</label>
        {copied ? <span class="tag ok">Copied</span> : null}
      </div>
      <p id={`${id}-hint`} class="hint">
        {hint}
      </p>
      <div class="secret-row">
        {shown && multiline ? <textarea {...common} rows={4} /> : shown ? <input {...common} type="text" /> : <input {...common} type="password" />}
        {maskable ? (
          <button type="button" class="button secondary" aria-pressed={shown} onClick={() => setShown(!shown)}>
            Show<span class="visually-hidden"> {noun}</span>
          </button>
        ) : null}
        <button type="button" class="button" autofocus={autofocus} onClick={(e) => void copy(e)}>
          Copy<span class="visually-hidden"> {noun}</span>
        </button>
      </div>
    </div>
  );
}
