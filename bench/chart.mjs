// A dependency-free SVG chart of ns per allocation by size: one panel for the
// unzeroed methods, one for the zeroed ones, one line per method, log scales.
const COLORS = ['#1b9e77', '#d95f02', '#7570b3', '#e7298a', '#66a61e', '#e6ab02', '#a6761d'];
const W = 460,
  H = 320,
  PAD = { l: 70, r: 30, t: 30, b: 40 };
const LEGEND_COLUMNS = 4;

function esc(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');
}

function panel(rows, title, x0, names) {
  const sizes = rows.map((r) => r.size);
  const values = rows.flatMap((r) => Object.values(r.methods).map((s) => s.avg));
  const [yMin, yMax] = [Math.log10(Math.min(...values) / 1.5), Math.log10(Math.max(...values) * 1.5)];
  const [xMin, xMax] = [Math.log2(sizes[0]), Math.log2(sizes[sizes.length - 1])];
  const px = (size) => x0 + PAD.l + ((Math.log2(size) - xMin) / (xMax - xMin)) * (W - PAD.l - PAD.r);
  const py = (ns) => PAD.t + (1 - (Math.log10(ns) - yMin) / (yMax - yMin)) * (H - PAD.t - PAD.b);
  const parts = [`<text x="${x0 + W / 2}" y="18" text-anchor="middle" font-weight="bold">${esc(title)}</text>`];
  for (let e = Math.ceil(yMin); e <= Math.floor(yMax); e++) {
    parts.push(
      `<line x1="${x0 + PAD.l}" x2="${x0 + W - PAD.r}" y1="${py(10 ** e)}" y2="${py(10 ** e)}" stroke="#ddd"/>`,
    );
    parts.push(`<text x="${x0 + PAD.l - 6}" y="${py(10 ** e) + 4}" text-anchor="end">${10 ** e} ns</text>`);
  }
  for (const size of sizes) {
    const label = size >= 1 << 20 ? `${size >> 20} MiB` : size >= 1024 ? `${size >> 10} KiB` : `${size} B`;
    parts.push(`<text x="${px(size)}" y="${H - PAD.b + 16}" text-anchor="middle">${label}</text>`);
  }
  for (const name of names) {
    const points = rows
      .filter((r) => r.methods[name])
      .map((r) => `${px(r.size).toFixed(1)},${py(r.methods[name].avg).toFixed(1)}`);
    if (points.length === 0) continue;
    const color = COLORS[names.indexOf(name) % COLORS.length];
    parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.join(' ')}"/>`);
    for (const p of points)
      parts.push(`<circle cx="${p.split(',')[0]}" cy="${p.split(',')[1]}" r="3" fill="${color}"/>`);
  }
  return parts.join('\n');
}

/** The whole chart as SVG text, from the `alloc` rows of results.json. */
export function renderSvg(results) {
  const names = [...new Set(results.alloc.flatMap((r) => Object.keys(r.methods)))];
  const legend = names
    .map((name, i) => {
      const x = 20 + (i % LEGEND_COLUMNS) * 200;
      const y = H + 8 + Math.floor(i / LEGEND_COLUMNS) * 18;
      return (
        `<rect x="${x}" y="${y}" width="12" height="12" fill="${COLORS[i % COLORS.length]}"/>` +
        `<text x="${x + 16}" y="${y + 10}">${esc(name)}</text>`
      );
    })
    .join('\n');
  const rows = Math.ceil(names.length / LEGEND_COLUMNS);
  return `${[
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W}" height="${H + 36 + rows * 18}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    panel(
      results.alloc.filter((r) => !r.zeroed),
      'ns per allocation, not zeroed (lower is better)',
      0,
      names,
    ),
    panel(
      results.alloc.filter((r) => r.zeroed),
      'ns per allocation, zeroed',
      W,
      names,
    ),
    legend,
    `<text x="20" y="${H + 24 + rows * 18}" fill="#555">${esc(`${results.machine.cpu}, ${results.machine.cores} cores, Node ${results.machine.node}, ${results.date.slice(0, 10)}`)}</text>`,
    '</svg>',
  ].join('\n')}\n`;
}
