/**
 * The audit log's filters: action (one, or a family such as any token change) and actor. Applied
 * with the button, so nothing reloads under a keyboard or screen-reader user while they choose.
 */
import { useEffect, useState } from 'preact/hooks';
import { ACTION_GROUPS } from '../audit-words';

export interface Filters {
  action: string;
  actor: string;
}

interface Props {
  value: Filters;
  onApply: (filters: Filters) => void;
}

export function AuditFilters({ value, onApply }: Props) {
  const [action, setAction] = useState(value.action);
  const [actor, setActor] = useState(value.actor);
  // The address is the truth (a reload or a link may change it): follow it.
  useEffect(() => {
    setAction(value.action);
    setActor(value.actor);
  }, [value.action, value.actor]);

  const filtered = value.action !== '' || value.actor !== '';
  return (
    <form
      class="audit-filters"
      aria-label="Filter the audit log"
      onSubmit={(e) => {
        e.preventDefault();
        onApply({ action, actor: actor.trim() });
      }}
    >
      <div class="field">
        <label for="audit-action">Action</label>
        <select id="audit-action" value={action} onChange={(e) => setAction(e.currentTarget.value)}>
          <option value="">All actions</option>
          {ACTION_GROUPS.map((g) => (
            <optgroup key={g.label} label={g.label}>
              {g.choices.map((c) => (
                <option key={c.value} value={c.value}>
                  {c.label}
                </option>
              ))}
            </optgroup>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="audit-actor">Actor</label>
        <input
          id="audit-actor"
          type="text"
          value={actor}
          autocomplete="off"
          autocapitalize="none"
          spellcheck={false}
          aria-describedby="audit-actor-hint"
          onInput={(e) => setActor(e.currentTarget.value)}
        />
        <p id="audit-actor-hint" class="hint">
          A username (exactly) or a user id. Empty for everyone.
        </p>
      </div>
      <div class="filter-buttons">
        <button type="submit" class="button small">
          Apply filters
        </button>
        {filtered ? (
          <button type="button" class="button secondary small" onClick={() => onApply({ action: '', actor: '' })}>
            Clear filters
          </button>
        ) : null}
      </div>
    </form>
  );
}
