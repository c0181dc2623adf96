/**
 * Previous and next page of a long list. At either end the button stays focusable, marked
 * `aria-disabled`, so focus is not lost when the last page is reached.
 */
interface Props {
  label: string;
  page: number;
  pages: number;
  onPage: (page: number) => void;
}

export function Pager({ label, page, pages, onPage }: Props) {
  if (pages <= 1) return null;
  const first = page <= 1;
  const last = page >= pages;
  return (
    <nav class="pager" aria-label={label}>
      <button type="button" class="button secondary small" aria-disabled={first ? true : undefined} onClick={() => !first && onPage(page - 1)}>
        Previous page
      </button>
      <span class="pager-position">
        Page {page} of {pages}
      </span>
      <button type="button" class="button secondary small" aria-disabled={last ? true : undefined} onClick={() => !last && onPage(page + 1)}>
        Next page
      </button>
    </nav>
  );
}
