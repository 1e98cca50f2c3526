/** Contents of recently written blobs by object id, least recently used dropped first past a byte budget. */
export class RecentBlobs {
  private readonly map = new Map<string, Buffer>();
  private bytes = 0;

  constructor(private readonly budget: number) {}

  get(oid: string): Buffer | undefined {
    const b = this.map.get(oid);
    if (b) {
      this.map.delete(oid);
      this.map.set(oid, b);
    }
    return b;
  }

  addAll(blobs: ReadonlyMap<string, Buffer>): void {
    for (const [oid, b] of blobs) {
      if (b.length > this.budget / 4 || this.map.has(oid)) continue;
      this.map.set(oid, b);
      this.bytes += b.length;
    }
    for (const [oid, b] of this.map) {
      if (this.bytes <= this.budget) break;
      this.map.delete(oid);
      this.bytes -= b.length;
    }
  }
}
