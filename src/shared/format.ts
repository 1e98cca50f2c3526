/** Numbers as people read them, the same in the Problems view, notifications and the panel. */

/** Bytes in IEC units: "512 bytes", "4 KiB", "1.5 MiB". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 100 ? Math.round(value) : Number(value.toFixed(1))} ${units[unit]}`;
}

/** A branch as people name it: `refs/heads/main` is `main`; other refs stay whole. */
export function branchName(ref: string): string {
  return ref.replace(/^refs\/heads\//, '');
}
