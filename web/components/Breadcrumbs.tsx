/**
 * Where the page sits in Expert's site tools (the seed's path). Gatehouse has no pages for the
 * ancestors, so they are plain text rather than links that lead nowhere. The › separators are
 * hidden from screen readers, which announce the list and its items instead.
 */
const TRAIL = ['Site tools', 'Dashboard', 'Integrations'];

export function Breadcrumbs() {
  return (
    <nav class="breadcrumbs" aria-label="Breadcrumb">
      <ol>
        {TRAIL.map((step) => (
          <li key={step}>
            {step}
            <span class="separator" aria-hidden="true">
              {' › '}
            </span>
          </li>
        ))}
        <li aria-current="page">API Token Management</li>
      </ol>
    </nav>
  );
}
