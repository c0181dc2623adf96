/**
 * A point in time as the admin reads it: relative ("in 59 minutes") or local, always with the
 * machine-readable instant and, on hover, the exact UTC time. Where the absolute time matters it is
 * also shown as text (`absolute`), since a title is out of reach of keyboards and touch.
 */
import { localDateTime, relativeTime, utcDateTime } from '../format';

interface Props {
  at: number;
  now: number;
  /** Show the local date and time under the relative one. */
  absolute?: boolean;
  /** Local date and time only. */
  plain?: boolean;
}

export function Moment({ at, now, absolute, plain }: Props) {
  const iso = new Date(at).toISOString();
  if (plain) {
    return (
      <time dateTime={iso} title={utcDateTime(at)}>
        {localDateTime(at)}
      </time>
    );
  }
  return (
    <>
      <time dateTime={iso} title={utcDateTime(at)}>
        {relativeTime(at, now)}
      </time>
      {absolute ? <span class="muted small block">{localDateTime(at)}</span> : null}
    </>
  );
}
