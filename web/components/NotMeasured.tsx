/** A usage cell when the server sent no usage figures (a Gatehouse without monitoring). */
export function NotMeasured() {
  return (
    <span class="muted">
      —<span class="visually-hidden">not measured</span>
    </span>
  );
}
