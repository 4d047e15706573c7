// A dependency-free SVG chart of bench/http.json: server CPU per request, full
// collections per 10,000 requests, and the p99 and p99.9 latency at the client
// and in the server (request event to res.end()), one group of
// bars per Node line and workload, one bar per allocation method. Linear
// scales from zero, so bar lengths compare honestly; a run from before a
// figure was measured draws no bar for it.
const COLORS = { arena: '#1b9e77', allocUnsafe: '#d95f02', alloc: '#7570b3' };
const W = 460,
  H = 300,
  PAD = { l: 56, r: 16, t: 30, b: 44 };

function esc(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');
}

/** A tidy axis top above `max`: 1, 2 or 5 times a power of ten. */
function niceTop(max) {
  const step = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 5, 10].map((m) => m * step).find((top) => top >= max);
}

function panel(groups, title, unit, value, x0, y0) {
  const methods = Object.keys(COLORS);
  const known = groups
    .flatMap((g) => methods.map((m) => value(g.workload.methods[m])))
    .filter((v) => Number.isFinite(v));
  const top = niceTop(Math.max(1e-9, ...known));
  const py = (v) => y0 + PAD.t + (1 - v / top) * (H - PAD.t - PAD.b);
  const groupWidth = (W - PAD.l - PAD.r) / groups.length;
  const bar = (groupWidth * 0.8) / methods.length;
  const parts = [`<text x="${x0 + W / 2}" y="${y0 + 18}" text-anchor="middle" font-weight="bold">${esc(title)}</text>`];
  for (let i = 0; i <= 4; i++) {
    const v = (top * i) / 4;
    parts.push(`<line x1="${x0 + PAD.l}" x2="${x0 + W - PAD.r}" y1="${py(v)}" y2="${py(v)}" stroke="#ddd"/>`);
    parts.push(`<text x="${x0 + PAD.l - 6}" y="${py(v) + 4}" text-anchor="end">${+v.toPrecision(3)} ${unit}</text>`);
  }
  groups.forEach((g, gi) => {
    const gx = x0 + PAD.l + gi * groupWidth + groupWidth * 0.1;
    methods.forEach((m, mi) => {
      const v = value(g.workload.methods[m]);
      if (!Number.isFinite(v)) return;
      parts.push(
        `<rect x="${(gx + mi * bar).toFixed(1)}" y="${py(v).toFixed(1)}" width="${(bar - 2).toFixed(1)}" height="${(py(0) - py(v)).toFixed(1)}" fill="${COLORS[m]}"/>`,
      );
    });
    const cx = gx + groupWidth * 0.4;
    parts.push(`<text x="${cx}" y="${y0 + H - PAD.b + 16}" text-anchor="middle">${esc(g.workload.name)}</text>`);
    parts.push(`<text x="${cx}" y="${y0 + H - PAD.b + 30}" text-anchor="middle" fill="#555">${esc(g.node)}</text>`);
  });
  return parts.join('\n');
}

/** The whole chart as SVG text, from bench/http.json. */
export function renderHttpSvg(results) {
  const groups = Object.values(results.runs).flatMap((run) =>
    run.workloads.map((workload) => ({ node: `Node ${run.node.slice(1).split('.')[0]}`, workload })),
  );
  const legend = Object.entries(COLORS).map(
    ([name, color], i) =>
      `<rect x="${20 + i * 160}" y="${3 * H + 6}" width="12" height="12" fill="${color}"/><text x="${36 + i * 160}" y="${3 * H + 16}">${esc(name)}</text>`,
  );
  const m = results.machine;
  const dates = [...new Set(Object.values(results.runs).map((run) => run.date.slice(0, 10)))].join(', ');
  return `${[
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W}" height="${3 * H + 48}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    panel(groups, 'server CPU per request (lower is better)', 'µs', (s) => s.cpuMicrosPerRequest, 0, 0),
    panel(
      groups,
      'full GCs per 10,000 requests',
      '',
      (s) => (s.fullGcs === undefined ? NaN : (s.fullGcs / s.requests) * 1e4),
      W,
      0,
    ),
    panel(groups, 'p99 latency at the client, 32 connections', 'ms', (s) => s.p99, 0, H),
    panel(groups, 'p99.9 latency at the client', 'ms', (s) => s.p999 ?? NaN, W, H),
    panel(groups, 'p99 in the server (request to res.end())', 'ms', (s) => s.serverP99 ?? NaN, 0, 2 * H),
    panel(groups, 'p99.9 in the server', 'ms', (s) => s.serverP999 ?? NaN, W, 2 * H),
    ...legend,
    `<text x="20" y="${3 * H + 38}" fill="#555">${esc(`${m.cpu}, ${m.cores} cores (shared), ${m.platform}; autocannon on loopback, servers alternated; ${dates}`)}</text>`,
    '</svg>',
  ].join('\n')}\n`;
}
