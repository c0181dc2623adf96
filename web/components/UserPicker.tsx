/**
 * "Restricted to user": a combobox (WAI-ARIA APG, list autocomplete) that suggests users from
 * `users?usernamefilter=` as the admin types. Arrow keys move through the suggestions, Enter picks,
 * Esc closes the list; a picked user can be cleared.
 */
import type { RefObject } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { findUsers, type User } from '../api';
import { describe } from '../messages';

interface Props {
  inputRef: RefObject<HTMLInputElement | null>;
  value: User | null;
  onChange: (user: User | null) => void;
  error: string | undefined;
}

const ID = 'token-user';
const DEBOUNCE_MS = 150;

/** Why a JWT for this user would be refused with `invalid user requesting`. */
function unusable(user: User): string | undefined {
  if (!user.active) return `${user.username} is inactive: requests acting as them are refused until they are reactivated.`;
  if (!user.seated) return `${user.username} has no licence seat: a JWT acting as them is refused until they get one.`;
  return undefined;
}

export function UserPicker({ inputRef, value, onChange, error }: Props) {
  const [query, setQuery] = useState(value?.username ?? '');
  const [options, setOptions] = useState<User[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const [status, setStatus] = useState('');
  const pending = useRef<AbortController | null>(null);

  useEffect(() => () => pending.current?.abort(), []);

  function search(text: string) {
    pending.current?.abort();
    const controller = new AbortController();
    pending.current = controller;
    if (text.trim() === '') {
      setOptions([]);
      setOpen(false);
      setStatus('');
      return;
    }
    setTimeout(async () => {
      if (controller.signal.aborted) return;
      try {
        const users = await findUsers(text.trim(), controller.signal);
        if (controller.signal.aborted) return;
        setOptions(users);
        setActive(users.length > 0 ? 0 : -1);
        setOpen(true);
        setStatus(
          users.length === 0
            ? `No user matches “${text.trim()}”.`
            : `${users.length} ${users.length === 1 ? 'user' : 'users'} found. Use the arrow keys and Enter to pick.`,
        );
      } catch (err) {
        if (controller.signal.aborted) return;
        setOptions([]);
        setOpen(false);
        setStatus(describe(err));
      }
    }, DEBOUNCE_MS);
  }

  function pick(user: User) {
    pending.current?.abort();
    onChange(user);
    setQuery(user.username);
    setOpen(false);
    setStatus(`Restricted to ${user.username}.`);
  }

  function onKeyDown(event: KeyboardEvent) {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      if (!open) {
        if (options.length > 0) setOpen(true);
        return;
      }
      const step = event.key === 'ArrowDown' ? 1 : -1;
      setActive((i) => (options.length === 0 ? -1 : (i + step + options.length) % options.length));
    } else if (event.key === 'Enter' && open) {
      // Enter picks the highlighted suggestion instead of submitting the form.
      event.preventDefault();
      const user = options[active];
      if (user) pick(user);
    } else if (event.key === 'Escape' && open) {
      event.preventDefault();
      setOpen(false);
    }
  }

  const warning = value ? unusable(value) : undefined;
  const listId = `${ID}-list`;
  const activeId = open && active >= 0 ? `${ID}-option-${active}` : undefined;

  return (
    <div class="field user-picker">
      <label for={ID}>Restricted to user</label>
      <p id={`${ID}-hint`} class="hint">
        Optional. Type part of a username or full name, then pick. Signatures must then name this user, and the JWT acts as them.
      </p>
      <div class="combo">
        <input
          ref={inputRef}
          id={ID}
          type="text"
          role="combobox"
          autocomplete="off"
          autocapitalize="none"
          spellcheck={false}
          aria-autocomplete="list"
          aria-expanded={open}
          aria-controls={listId}
          aria-activedescendant={activeId}
          aria-invalid={error ? true : undefined}
          aria-describedby={[`${ID}-hint`, error ? `${ID}-error` : '', warning ? `${ID}-warning` : ''].filter(Boolean).join(' ')}
          value={query}
          onInput={(e) => {
            const text = e.currentTarget.value;
            setQuery(text);
            // The suggestions shown are for the old text: Enter must not pick one until new ones arrive.
            setActive(-1);
            if (value && text !== value.username) onChange(null);
            search(text);
          }}
          onKeyDown={onKeyDown}
          onBlur={() => setOpen(false)}
        />
        {value ? (
          <button
            type="button"
            class="button secondary small"
            onClick={() => {
              onChange(null);
              setQuery('');
              setStatus('Restriction cleared.');
              inputRef.current?.focus();
            }}
          >
            Clear<span class="visually-hidden"> restricted user</span>
          </button>
        ) : null}
        <ul id={listId} role="listbox" aria-label="Matching users" class="listbox" hidden={!open || options.length === 0}>
          {options.map((user, i) => (
            <li
              key={user.id}
              id={`${ID}-option-${i}`}
              role="option"
              aria-selected={i === active}
              class={i === active ? 'option active' : 'option'}
              // Keep focus in the input, so the list is not closed by a blur before the click lands.
              onMouseDown={(e) => e.preventDefault()}
              onClick={() => pick(user)}
            >
              <span class="option-name">{user.username}</span>
              {user.fullname ? <span class="muted"> — {user.fullname}</span> : null}
              {!user.active ? <span class="tag warn"> inactive</span> : !user.seated ? <span class="tag warn"> no seat</span> : null}
            </li>
          ))}
        </ul>
      </div>
      <p role="status" class="visually-hidden">
        {status}
      </p>
      {error ? (
        <p id={`${ID}-error`} class="field-error">
          {error}
        </p>
      ) : null}
      {warning ? (
        <p id={`${ID}-warning`} class="field-warning">
          {warning}
        </p>
      ) : null}
    </div>
  );
}
