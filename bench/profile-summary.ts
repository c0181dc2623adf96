/**
 * Summarises a V8 CPU profile (`node --cpu-prof`, or `npm run bench -- --profile`): where the
 * server's time went, by function (self and inclusive time) and by package, so a slow figure can be
 * traced to a function and its share of the time rather than guessed at.
 *
 *   node --import tsx bench/profile-summary.ts <file.cpuprofile> [--top=25] [--skip=<seconds>] [--requests=N]
 *
 * `--skip` leaves out the first seconds (start-up, module loading, the run's own setup), so the
 * shares are of the serving time. "Inclusive by area" is the share of samples with at least one frame
 * of that package on the stack: what the package costs, including what it calls into. `--requests`
 * (the requests served after `--skip`, as bench/profile-credentials.ts prints) adds µs per request.
 */
import fs from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const opt = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const file = args.find((a) => !a.startsWith('--'));
const top = Number(opt('top') ?? 25);
const skipUs = Number(opt('skip') ?? 0) * 1e6;
const requests = Number(opt('requests') ?? 0);
if (!file) throw new TypeError('usage: profile-summary.ts <file.cpuprofile> [--top=25] [--skip=seconds]');
const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

function label(f: CallFrame): string {
  const where = f.url
    .replace(/^file:\/\//, '')
    .replace(/^.*\/node_modules\//, '~/')
    .replace(/^.*?\/(src|bench|client)\//, '$1/');
  return `${f.functionName || '(anonymous)'} ${where ? `${where}:${f.lineNumber + 1}` : ''}`.trim();
}

/** Which package or area a frame belongs to: a node_modules package, our src/, node itself, or V8. */
function area(f: CallFrame): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f.url);
  if (m) return m[1]!;
  if (/\/src\//.test(f.url)) return 'gatehouse src/';
  if (f.url.startsWith('node:')) return 'node core';
  if (f.functionName === '(garbage collector)') return 'GC';
  if (f.functionName === '(idle)' || f.functionName === '(program)') return f.functionName;
  return f.url ? 'other' : `(native) ${f.functionName}`;
}

const self = new Map<string, number>();
const inclusive = new Map<string, number>();
const areas = new Map<string, number>();
const areasInclusive = new Map<string, number>();
let total = 0;
let idle = 0;
let elapsed = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  elapsed += dt;
  const node = byId.get(id);
  if (!node || elapsed < skipUs) return;
  total += dt;
  if (node.callFrame.functionName === '(idle)') idle += dt;
  self.set(label(node.callFrame), (self.get(label(node.callFrame)) ?? 0) + dt);
  areas.set(area(node.callFrame), (areas.get(area(node.callFrame)) ?? 0) + dt);
  // Inclusive: each function once per sample, however deep it recurses.
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const frame = byId.get(cur)!.callFrame;
    for (const key of [label(frame), `area:${area(frame)}`]) {
      if (seen.has(key)) continue;
      seen.add(key);
      if (key.startsWith('area:')) areasInclusive.set(key.slice(5), (areasInclusive.get(key.slice(5)) ?? 0) + dt);
      else inclusive.set(key, (inclusive.get(key) ?? 0) + dt);
    }
  }
});

const busy = total - idle;
const pct = (x: number) => `${((100 * x) / busy).toFixed(1).padStart(5)}%${requests ? ` ${(x / requests).toFixed(2).padStart(7)} µs` : ''}`;
const print = (title: string, m: Map<string, number>, skip: (k: string) => boolean = () => false) => {
  const perRequest = requests ? `, ${(busy / requests).toFixed(1)} µs per request` : '';
  process.stdout.write(`\n${title} (share of ${(busy / 1e6).toFixed(1)} s busy${perRequest}, idle excluded)\n`);
  [...m]
    .filter(([k]) => !skip(k) && !k.startsWith('(idle)'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .forEach(([k, v]) => process.stdout.write(`${pct(v)}  ${k}\n`));
};
print('By area, self time', areas);
print('By area, inclusive time', areasInclusive, (k) => k.startsWith('(') || k === 'node core');
print('By function, self time', self);
print('By function, inclusive time (only our src/)', inclusive, (k) => !/ src\//.test(k));
