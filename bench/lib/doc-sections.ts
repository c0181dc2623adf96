/**
 * docs/benchmarks.md is written by two programs: `npm run bench` (the whole page) and `npm run soak`
 * (its Soak section). Each keeps the other's part: a section runs from its `## ` heading to the next.
 */

/** The section under `## <heading>`, heading included, or undefined when there is none. */
export function readSection(doc: string, heading: string): string | undefined {
  const start = doc.indexOf(`\n## ${heading}\n`);
  if (start < 0) return undefined;
  const next = doc.indexOf('\n## ', start + 1);
  return doc.slice(start + 1, next < 0 ? undefined : next + 1).trimEnd() + '\n';
}

/** `doc` with the section under `## <heading>` replaced by `section`, or added before `## <before>` (else at the end). */
export function replaceSection(doc: string, heading: string, section: string, before = 'Findings'): string {
  const body = section.trimEnd() + '\n';
  const start = doc.indexOf(`\n## ${heading}\n`);
  if (start >= 0) {
    const next = doc.indexOf('\n## ', start + 1);
    return doc.slice(0, start + 1) + body + (next < 0 ? '' : doc.slice(next));
  }
  const anchor = doc.indexOf(`\n## ${before}\n`);
  if (anchor >= 0) return `${doc.slice(0, anchor + 1)}${body}\n${doc.slice(anchor + 1)}`;
  return `${doc.trimEnd()}\n\n${body}`;
}
