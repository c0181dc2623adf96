/** A column header that sorts the list: a button inside the `th`, whose state is `aria-sort`. */
export type Sort = { by: 'name' | 'created' | 'lastused'; dir: 'asc' | 'desc' };

interface Props {
  column: Sort['by'];
  label: string;
  sort: Sort;
  onSort: (sort: Sort) => void;
}

export function SortHeader({ column, label, sort, onSort }: Props) {
  const active = sort.by === column;
  // A first click sorts names A→Z and dates newest (most recently used) first; a second click reverses.
  const first: Sort['dir'] = column === 'name' ? 'asc' : 'desc';
  const next: Sort = { by: column, dir: active ? (sort.dir === 'asc' ? 'desc' : 'asc') : first };
  return (
    <th scope="col" aria-sort={active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : undefined}>
      <button type="button" class="sort" onClick={() => onSort(next)}>
        {label}
        <span aria-hidden="true" class="sort-mark">
          {active ? (sort.dir === 'asc' ? ' ▲' : ' ▼') : ' ↕'}
        </span>
      </button>
    </th>
  );
}
