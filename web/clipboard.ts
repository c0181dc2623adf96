/**
 * Copies text, and says honestly whether it worked (no "copied" unless a copy happened).
 * The async Clipboard API first; `execCommand('copy')` for pages served over plain HTTP on another
 * host, where `navigator.clipboard` does not exist.
 */
export async function copyText(text: string, container: HTMLElement): Promise<boolean> {
  if (window.isSecureContext && navigator.clipboard?.writeText) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // NotAllowedError (permission, unfocused document): try the old way below.
    }
  }
  const scratch = document.createElement('textarea');
  scratch.value = text;
  scratch.setAttribute('readonly', '');
  scratch.className = 'copy-scratch';
  // Inside the open dialog: everything outside a modal dialog is inert and cannot be selected.
  container.append(scratch);
  const focused = document.activeElement as HTMLElement | null;
  try {
    scratch.select();
    return document.execCommand('copy');
  } catch {
    return false;
  } finally {
    scratch.remove();
    focused?.focus();
  }
}

/** The keys to press to copy a selection on this machine. */
export function copyShortcut(): string {
  return /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent) ? '⌘+C' : 'Ctrl+C';
}
