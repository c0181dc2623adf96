/**
 * Server-rendered pages for people (sign-in, consent, device verification, authorized apps).
 * `html` escapes every interpolated value unless it is already `Html`, so output is escaped by
 * construction. Every page is sent with a strict CSP (no script at all, one nonce'd style), is
 * never framed, never cached, and sends no Referer to other sites.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyReply } from 'fastify';

export class Html {
  constructor(readonly value: string) {}
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function render(value: unknown): string {
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === undefined || value === null || value === false) return '';
  return escapeHtml(String(value));
}

/** A template whose interpolations are escaped (arrays are joined, `Html` is kept as is). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  return new Html(strings.reduce((out, s, i) => out + s + (i < values.length ? render(values[i]) : ''), ''));
}

const CSS = `
body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d2433}
main{max-width:34rem;margin:3rem auto;background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 3px #0002}
h1{font-size:1.4rem;margin-top:0}
label{display:block;font-weight:600;margin-top:1rem}
input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:.5rem;font-size:1rem;border:1px solid #767676;border-radius:4px}
button{font-size:1rem;padding:.55rem 1.2rem;margin:1.25rem .5rem 0 0;border-radius:4px;border:1px solid #1d4ed8;background:#1d4ed8;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#1d4ed8}
button:focus-visible,input:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
.error{border-left:4px solid #b91c1c;background:#fef2f2;padding:.5rem 1rem;color:#7f1d1d}
.note{color:#374151;font-size:.95rem}
code{font-size:1.05rem;background:#eef;padding:.1rem .3rem;border-radius:3px}
table{width:100%;border-collapse:collapse}th,td{text-align:left;padding:.5rem;border-bottom:1px solid #ddd;vertical-align:top}
td form button{margin:0}
`;

export interface Page {
  readonly title: string;
  readonly body: Html;
  readonly status?: number;
  /** Origins a form on this page may be sent to, or redirect to, besides this site (CSP form-action). */
  readonly formTargets?: readonly string[];
}

export function sendPage(reply: FastifyReply, page: Page): FastifyReply {
  const nonce = randomBytes(16).toString('base64');
  const formAction = ["'self'", ...(page.formTargets ?? [])].join(' ');
  const doc = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${page.title} · Gatehouse</title><style nonce="${nonce}">${new Html(CSS)}</style></head>
<body><main>${page.body}</main></body></html>`;
  return reply
    .code(page.status ?? 200)
    .header('Content-Security-Policy', `default-src 'none'; style-src 'nonce-${nonce}'; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`)
    .header('X-Frame-Options', 'DENY')
    .header('X-Content-Type-Options', 'nosniff')
    // same-origin, not no-referrer: with no-referrer, Chromium sends `Origin: null` on our own form posts.
    .header('Referrer-Policy', 'same-origin')
    .header('Cache-Control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(doc.value);
}

/** Hidden form fields, one per entry. */
export function hiddenFields(fields: Iterable<[string, string]>): Html {
  return html`${[...fields].map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}`;
}
