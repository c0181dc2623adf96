/**
 * The two views of API Token Management: the tokens and the audit log. Real links (each view has
 * its own address, which can be opened in a new tab or reloaded), moved between in the page.
 */
import { AUDIT_PATH, followLink, TOKENS_PATH, USERS_PATH } from '../router';

const SECTIONS = [
  { id: 'tokens', label: 'API tokens', href: TOKENS_PATH },
  { id: 'users', label: 'Users', href: USERS_PATH },
  { id: 'audit', label: 'Audit log', href: AUDIT_PATH },
] as const;

export function SectionNav({ current }: { current: (typeof SECTIONS)[number]['id'] }) {
  return (
    <nav class="sections" aria-label="API Token Management">
      <ul>
        {SECTIONS.map((s) => (
          <li key={s.id}>
            <a href={s.href} aria-current={s.id === current ? 'page' : undefined} onClick={followLink}>
              {s.label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
