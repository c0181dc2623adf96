/**
 * Where the page sits in Expert's site tools (the seed's path). Gatehouse has no pages for the
 * ancestors, so they are plain text rather than links that lead nowhere. The › separators are
 * hidden from screen readers, which announce the list and its items instead. Below API Token
 * Management (the audit log), that step becomes a link.
 */
import { followLink, TOKENS_PATH } from '../router';

const TRAIL = ['Site tools', 'Dashboard', 'Integrations'];

function Separator() {
  return (
    <span class="separator" aria-hidden="true">
      {' › '}
    </span>
  );
}

export function Breadcrumbs({ current }: { current?: string | undefined }) {
  return (
    <nav class="breadcrumbs" aria-label="Breadcrumb">
      <ol>
        {TRAIL.map((step) => (
          <li key={step}>
            {step}
            <Separator />
          </li>
        ))}
        {current ? (
          <>
            <li>
              <a href={TOKENS_PATH} onClick={followLink}>
                API Token Management
              </a>
              <Separator />
            </li>
            <li aria-current="page">{current}</li>
          </>
        ) : (
          <li aria-current="page">API Token Management</li>
        )}
      </ol>
    </nav>
  );
}
