/**
 * The checkpoint chart, drawn by hand: latency against repository size, both axes log scale,
 * ours and the two baselines, one line per k over the synthetic repositories (a real tree is
 * drawn as unconnected diamonds at its size), whiskers from min to max.
 */
import type { CheckpointCell } from '../figures/checkpoint';

const W = 760;
const H = 460;
const M = { left: 70, right: 230, top: 48, bottom: 76 };
const COLORS = { ours: '#1f77b4', shadow: '#d62728', privateIndex: '#2ca02c' };
const NAMES = { ours: 'ours', shadow: 'shadow repo', privateIndex: 'private index' };
const DASHES: Record<number, string> = { 1: '2 4', 20: '', 2000: '8 4' };
const SYNTHETIC = new Set(['small', 'medium', 'large']);

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function fmtMs(v: number): string {
  return v >= 1000 ? `${v / 1000} s` : `${v} ms`;
}

export function checkpointSvg(cells: readonly CheckpointCell[], caption: string, ks: readonly number[] = [1, 20, 2000]): string {
  // The 1,000-file repository's "2,000" round changes all of its files.
  const kOf = (c: CheckpointCell) => c.asked ?? c.k;
  const steady = cells.filter((c) => c.shape === 'spread' && ks.includes(kOf(c)));
  const sizes = [...new Set(steady.map((c) => c.files))].sort((a, b) => a - b);
  const values = steady.flatMap((c) => [c.ours.min, c.ours.max, c.shadow.min, c.shadow.max, c.privateIndex.min, c.privateIndex.max]).filter((v) => v > 0 && Number.isFinite(v));
  if (sizes.length === 0 || values.length === 0) return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="80"><text x="10" y="40">no checkpoint data</text></svg>\n`;
  const yLo = Math.floor(Math.log10(Math.min(...values)));
  const yHi = Math.ceil(Math.log10(Math.max(...values)));
  const xLo = Math.log10(sizes[0]!) - 0.25;
  const xHi = Math.log10(sizes[sizes.length - 1]!) + 0.25;
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const x = (files: number) => M.left + ((Math.log10(files) - xLo) / (xHi - xLo || 1)) * pw;
  const y = (ms: number) => M.top + ph - ((Math.log10(ms) - yLo) / (yHi - yLo || 1)) * ph;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  out.push(`<text x="${M.left}" y="22" font-size="15" font-weight="600">Checkpoint latency vs repository size (log–log)</text>`);
  out.push(`<text x="${M.left}" y="38" fill="#555">${esc(caption)}</text>`);
  // Grid: decades solid, 2 and 5 faint.
  for (let e = yLo; e <= yHi; e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (Math.log10(v) > yHi) continue;
      const yy = y(v).toFixed(1);
      out.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${yy}" y2="${yy}" stroke="${m === 1 ? '#ccc' : '#eee'}"/>`);
      if (m === 1 || yHi - yLo <= 2) out.push(`<text x="${M.left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle" fill="#333">${fmtMs(v)}</text>`);
    }
  }
  const ticks = [...new Set(steady.filter((c) => SYNTHETIC.has(c.repo)).map((c) => c.files))];
  for (const s of ticks) {
    const xx = x(s).toFixed(1);
    out.push(`<line x1="${xx}" x2="${xx}" y1="${M.top}" y2="${M.top + ph}" stroke="#eee"/>`);
    out.push(`<text x="${xx}" y="${M.top + ph + 18}" text-anchor="middle" fill="#333">${s.toLocaleString('en-US')}</text>`);
  }
  out.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`);
  out.push(`<text x="${M.left + pw / 2}" y="${H - 14}" text-anchor="middle" fill="#333">files in the repository</text>`);
  out.push(`<text transform="translate(18 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle" fill="#333">latency (median; whiskers min–max)</text>`);
  // Series.
  const legend: string[] = [];
  for (const who of ['shadow', 'privateIndex', 'ours'] as const) {
    for (const k of ks) {
      const pts = steady.filter((c) => kOf(c) === k).sort((a, b) => a.files - b.files);
      if (pts.length === 0) continue;
      const color = COLORS[who];
      const dash = DASHES[k] ?? '4 2';
      const line = pts.filter((c) => SYNTHETIC.has(c.repo));
      const d = line.map((c, i) => `${i ? 'L' : 'M'}${x(c.files).toFixed(1)},${y(c[who].median).toFixed(1)}`).join(' ');
      if (line.length > 1) out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2" ${dash ? `stroke-dasharray="${dash}"` : ''}/>`);
      for (const c of pts) {
        const s = c[who];
        const xx = x(c.files);
        const yy = y(s.median);
        const title = `<title>${NAMES[who]} k=${c.k}, ${esc(c.label)} (${c.files} files): ${s.median} ms (min ${s.min}, max ${s.max})</title>`;
        const fill = who === 'ours' ? color : '#fff';
        out.push(`<line x1="${xx.toFixed(1)}" x2="${xx.toFixed(1)}" y1="${y(s.min).toFixed(1)}" y2="${y(s.max).toFixed(1)}" stroke="${color}" stroke-opacity="0.5"/>`);
        if (SYNTHETIC.has(c.repo)) out.push(`<circle cx="${xx.toFixed(1)}" cy="${yy.toFixed(1)}" r="3.5" fill="${fill}" stroke="${color}" stroke-width="1.5">${title}</circle>`);
        else out.push(`<path d="M${xx.toFixed(1)},${(yy - 5).toFixed(1)} l5,5 l-5,5 l-5,-5 z" fill="${fill}" stroke="${color}" stroke-width="1.5">${title}</path>`);
      }
      legend.push(`${who}|${k}|${color}|${dash}`);
    }
  }
  for (const c of steady.filter((x) => !SYNTHETIC.has(x.repo) && x.k === 1)) {
    out.push(`<text x="${x(c.files).toFixed(1)}" y="${M.top + ph + 32}" text-anchor="middle" fill="#333">◆ ${esc(c.label)}</text>`);
  }
  legend.forEach((entry, i) => {
    const [who, k, color, dash] = entry.split('|') as [keyof typeof NAMES, string, string, string];
    const ly = M.top + 10 + i * 20;
    const lx = M.left + pw + 16;
    out.push(`<line x1="${lx}" x2="${lx + 34}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2" ${dash ? `stroke-dasharray="${dash}"` : ''}/>`);
    out.push(`<circle cx="${lx + 17}" cy="${ly}" r="3.5" fill="${who === 'ours' ? color : '#fff'}" stroke="${color}" stroke-width="1.5"/>`);
    out.push(`<text x="${lx + 42}" y="${ly}" dominant-baseline="middle">${NAMES[who]}, k = ${Number(k).toLocaleString('en-US')}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
