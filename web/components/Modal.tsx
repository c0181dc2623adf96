/**
 * A native modal `<dialog>` (top layer, inert page behind it) whose every close request (Esc, a
 * click on the backdrop) goes through `onRequestClose`, so the owner decides whether it closes.
 * The dialog is open while mounted; unmount it to close it.
 */
import type { ComponentChildren } from 'preact';
import { useLayoutEffect, useRef } from 'preact/hooks';

interface Props {
  labelledBy: string;
  describedBy?: string;
  role?: 'dialog' | 'alertdialog';
  class?: string;
  onRequestClose: () => void;
  children: ComponentChildren;
}

export function Modal({ labelledBy, describedBy, role, class: className, onRequestClose, children }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  const unmounting = useRef(false);
  const pressedOnBackdrop = useRef(false);
  const request = useRef(onRequestClose);
  request.current = onRequestClose;

  useLayoutEffect(() => {
    const dialog = ref.current!;
    dialog.showModal();
    // A close the page did not ask for (Chromium lets a second Esc without user activation through):
    // open again at once and treat it as a close request, so the owner's guard still decides.
    const onClose = () => {
      if (unmounting.current || !dialog.isConnected) return;
      dialog.showModal();
      request.current();
    };
    dialog.addEventListener('close', onClose);
    return () => {
      unmounting.current = true;
      dialog.removeEventListener('close', onClose);
      dialog.close();
    };
  }, []);

  return (
    <dialog
      ref={ref}
      role={role}
      class={className ? `modal ${className}` : 'modal'}
      aria-labelledby={labelledBy}
      aria-describedby={describedBy}
      onKeyDown={(e) => {
        if (e.key !== 'Escape') return;
        // Handle Esc here, and stop it reaching an outer dialog or the browser's own close request.
        e.preventDefault();
        e.stopPropagation();
        request.current();
      }}
      onCancel={(e) => {
        e.preventDefault();
        request.current();
      }}
      // The backdrop counts only when the press started there too: dragging to select a value and
      // releasing outside the box must not close anything.
      onPointerDown={(e) => (pressedOnBackdrop.current = e.target === ref.current)}
      onClick={(e) => {
        if (e.target === ref.current && pressedOnBackdrop.current) request.current();
        pressedOnBackdrop.current = false;
      }}
    >
      <div class="modal-body">{children}</div>
    </dialog>
  );
}
