/** A view's load that failed: the reason in words and a way to try again. */
export function LoadFailed({ message, onRetry }: { message: string; onRetry: () => void }) {
  return (
    <div class="error-box" role="alert">
      <p>{message}</p>
      <button type="button" class="button secondary small" onClick={onRetry}>
        Try again
      </button>
    </div>
  );
}
