import { TOKENS_PATH } from '../router';

export function NotFound() {
  return (
    <main id="main" class="page narrow">
      <h1>Page not found</h1>
      <p>
        There is nothing at this address. Go to <a href={TOKENS_PATH}>API Token Management</a>.
      </p>
    </main>
  );
}
