/**
 * "Expires": never (the default, as in Expert), in 30 or 90 days, or on a chosen day. The exact
 * moment is shown before the token is made, in local time, so nobody is surprised by a time zone.
 */
import type { RefObject } from 'preact';
import { expiryInstant, type Expiry, type ExpiryChoice, tomorrow } from '../expiry';
import { localDateTime } from '../format';

const CHOICES: { value: ExpiryChoice; label: string }[] = [
  { value: 'never', label: 'Never' },
  { value: '30', label: 'In 30 days' },
  { value: '90', label: 'In 90 days' },
  { value: 'date', label: 'On a date' },
];

interface Props {
  value: Expiry;
  onChange: (value: Expiry) => void;
  error: string | undefined;
  /** What takes the focus when the expiry is in error. */
  focusRef: RefObject<HTMLInputElement | null>;
}

function summary(value: Expiry, now: number): string {
  const at = expiryInstant(value, now);
  if (at === undefined) return 'The token works until it is deleted.';
  if (typeof at === 'object') return 'Pick a day after today. The token stops working as that day begins, in your time zone.';
  return `Stops working on ${localDateTime(at)}, your time${value.choice === 'date' ? ' (as that day begins)' : ''}. Rotating it keeps this expiry.`;
}

export function ExpiryPicker({ value, onChange, error, focusRef }: Props) {
  const now = Date.now();
  const describedBy = ['token-expiry-summary', error ? 'token-expiry-error' : ''].filter(Boolean).join(' ');
  return (
    <fieldset class="choices expiry">
      <legend>Expires</legend>
      <div class="inline-choices">
        {CHOICES.map((c) => (
          <div class="radio" key={c.value}>
            <input
              ref={value.choice === c.value && c.value !== 'date' ? focusRef : undefined}
              type="radio"
              id={`token-expiry-${c.value}`}
              name="token-expiry"
              checked={value.choice === c.value}
              aria-describedby="token-expiry-summary"
              onChange={() => onChange({ ...value, choice: c.value })}
            />
            <label for={`token-expiry-${c.value}`}>{c.label}</label>
          </div>
        ))}
      </div>
      {value.choice === 'date' ? (
        <div class="field date-field">
          <label for="token-expiry-day">Expiry date</label>
          <input
            ref={focusRef}
            type="date"
            id="token-expiry-day"
            value={value.date}
            min={tomorrow(now)}
            required
            aria-invalid={error ? true : undefined}
            aria-describedby={describedBy}
            onInput={(e) => onChange({ ...value, date: e.currentTarget.value })}
          />
        </div>
      ) : null}
      <p id="token-expiry-summary" class="hint">
        {summary(value, now)}
      </p>
      {error ? (
        <p id="token-expiry-error" class="field-error">
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}
